"""The Train tab: set up a run, watch the network learn, teach it your handwriting."""
