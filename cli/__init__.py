"""The command line, `usersetup`: the same services as the window, for scripts and support."""
