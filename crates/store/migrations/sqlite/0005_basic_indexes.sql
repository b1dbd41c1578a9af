-- Indexes for the people list at city scale (measured by `wangge bench people`, 3,000,000 people).
--
-- A name or pinyin-initials search within a scope tests each candidate's path inside the index,
-- without reading its row: a grid's search for a common surname went from about 115 ms to 5 ms.
-- Ordering such a search by (name, id) instead of id lets the same index serve the order, so the
-- city's first page reads 51 entries instead of sorting every match.
CREATE INDEX people_name_scope ON people (name, id, path) WHERE removed_at IS NULL;
CREATE INDEX people_initials_scope ON people (name_initials, id, path) WHERE removed_at IS NULL;
-- One key group's open tags in (path, person) order: a tag list driven from here, ordered by
-- (t.path, t.person_id) as the browse order is (p.path, p.id), reads one page of entries
-- instead of sorting all of the group's people in scope.
CREATE INDEX person_tags_open ON person_tags (tag_index, path, person_id) WHERE until IS NULL;
