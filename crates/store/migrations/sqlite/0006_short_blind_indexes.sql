-- Blind indexes keep the first 128 bits of their HMAC (32 hex digits) instead of 256 (see
-- seal.rs): the prefix of a stored index is the new index of the same value, so no key is needed.
UPDATE people SET id_index = substr(id_index, 1, 32), phone_index = substr(phone_index, 1, 32)
WHERE length(id_index) > 32 OR length(phone_index) > 32;
UPDATE houses SET owner_phone_index = substr(owner_phone_index, 1, 32)
WHERE length(owner_phone_index) > 32;
UPDATE orgs SET contact_phone_index = substr(contact_phone_index, 1, 32)
WHERE length(contact_phone_index) > 32;
UPDATE events SET reporter_phone_index = substr(reporter_phone_index, 1, 32)
WHERE length(reporter_phone_index) > 32;
-- The tag count triggers move each open tag's count to its new metric as the rows change; the
-- old metrics are left at zero and go.
UPDATE person_tags SET tag_index = substr(tag_index, 1, 32) WHERE length(tag_index) > 32;
DELETE FROM basic_counts WHERE metric LIKE 'tag:%' AND length(metric) > 36;
