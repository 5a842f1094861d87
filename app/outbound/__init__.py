"""What leaves the practice: its mail server and text gateway, and the one-time codes."""
