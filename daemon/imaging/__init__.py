"""Reading photos: previews and hothash, EXIF, file grouping. Runs in worker processes."""
