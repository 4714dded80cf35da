"""Pixels to a typed scene: image loading, OCR, text grouping, canvas cleaning."""
