"""The workspace shell: home page, navigation and the layout around every module."""
