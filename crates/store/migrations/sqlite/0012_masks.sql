-- Masks that cannot be rebuilt (README, "Data protection"). The clear columns kept the birth
-- date and the first and last four characters of the ID number: with the grid's county that
-- left nothing hidden. People now keep only the birth year in clear (the full date is part of
-- the sealed ID number, which the validation makes agree with it), and the mask keeps the first
-- two characters and the last one. Both are computed from what is stored: no key is needed.
ALTER TABLE people ADD COLUMN birth_year INTEGER NOT NULL DEFAULT 0;
UPDATE people SET
    birth_year = CAST(substr(birth_date, 1, 4) AS INTEGER),
    id_masked = CASE
        WHEN length(id_masked) >= 12 THEN substr(id_masked, 1, 2)
            || substr('********************', 1, length(id_masked) - 3)
            || substr(id_masked, length(id_masked), 1)
        WHEN length(id_masked) >= 6 THEN substr(id_masked, 1, 1)
            || substr('************', 1, length(id_masked) - 1)
        ELSE id_masked END;
ALTER TABLE people DROP COLUMN birth_date;

-- The history keeps each record as it was: its old masks and dates go the same way. It is
-- append-only for the application; this one rewrite lifts the guard and puts it back.
DROP TRIGGER record_history_no_update;
UPDATE record_history SET before_json = json_set(
        json_remove(before_json, '$.birth_date'),
        '$.birth_year', CAST(substr(json_extract(before_json, '$.birth_date'), 1, 4) AS INTEGER),
        '$.id_masked', CASE
            WHEN length(json_extract(before_json, '$.id_masked')) >= 12
                THEN substr(json_extract(before_json, '$.id_masked'), 1, 2)
                || substr('********************', 1, length(json_extract(before_json, '$.id_masked')) - 3)
                || substr(json_extract(before_json, '$.id_masked'), length(json_extract(before_json, '$.id_masked')), 1)
            WHEN length(json_extract(before_json, '$.id_masked')) >= 6
                THEN substr(json_extract(before_json, '$.id_masked'), 1, 1)
                || substr('************', 1, length(json_extract(before_json, '$.id_masked')) - 1)
            ELSE json_extract(before_json, '$.id_masked') END)
WHERE table_name = 'people' AND before_json IS NOT NULL AND json_valid(before_json)
    AND json_extract(before_json, '$.birth_date') IS NOT NULL;
CREATE TRIGGER record_history_no_update BEFORE UPDATE ON record_history
BEGIN
    SELECT RAISE(ABORT, 'record_history is append-only');
END;
