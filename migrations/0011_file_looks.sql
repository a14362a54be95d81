-- What each file was like when the catalog last read it: its size and modification time
-- (in nanoseconds, as the OS gives them). Files are known by path, but a path can come
-- to hold another picture (a reused name, a file overwritten): a known file whose size
-- or modification time differ from these is read again before the catalog believes it.
--
-- NULL where nothing was recorded: rows from before this migration, files of uploads
-- (they name the client's files), companions added by hand. Such a file is read again
-- only when the OS says it was written or put in its place after the row was made
-- (daemon/registration/changes.py).
ALTER TABLE image_files
    ADD COLUMN file_size bigint,
    ADD COLUMN file_mtime_ns bigint;
ALTER TABLE duplicate_files
    ADD COLUMN file_size bigint,
    ADD COLUMN file_mtime_ns bigint;
