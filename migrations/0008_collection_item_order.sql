-- A collection's items in their order (position; equal positions by creation, then id),
-- every key in the index: a page deep in a large collection (GET …/items?offset=) takes
-- its ids from an index-only scan instead of sorting every item and reading its photo,
-- and a move finds the item before its target (POST …/items/move) in one index probe.
DROP INDEX collection_items_order;
CREATE INDEX collection_items_order ON collection_items (collection_id, position, created_at, id);
