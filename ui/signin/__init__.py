"""The sign-in dialogs: password, second factor, forced change, first start, forgotten password."""
