"""Media processing: ffmpeg binaries, probing, HLS transcoding, tus uploads."""
