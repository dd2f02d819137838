"""What an import tells the rest of the platform.

`records_imported` is sent in the import's transaction after its bulk writes (which
send no `post_save`), with `sender` the model and `records` every row written —
created and updated alike — so derived data (the search index) can follow.
"""

from django.dispatch import Signal

records_imported = Signal()
