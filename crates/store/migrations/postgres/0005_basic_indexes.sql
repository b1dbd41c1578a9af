-- Indexes for the people list at city scale (measured by `wangge bench people`, 3,000,000 people).
--
-- A name or pinyin-initials search within a scope tests each candidate's path inside the index,
-- without reading its row (`text_pattern_ops` serves the `LIKE 'prefix%'`; paths are in the C
-- collation, 0004).
CREATE INDEX people_name_scope ON people (name text_pattern_ops, id, path) WHERE removed_at IS NULL;
CREATE INDEX people_initials_scope ON people (name_initials text_pattern_ops, id, path) WHERE removed_at IS NULL;
-- One key group's open tags in (path, person) order, for a tag list driven from the tags.
CREATE INDEX person_tags_open ON person_tags (tag_index, path, person_id) WHERE until IS NULL;
