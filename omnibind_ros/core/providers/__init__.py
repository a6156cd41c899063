"""Pretrained providers: larger pretrained teachers (open_clip, ...) from local weight files."""
