"""The live streaming app (optional): streams, their broadcasts, recordings, playback."""
