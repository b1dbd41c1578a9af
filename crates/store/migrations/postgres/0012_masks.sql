-- Masks that cannot be rebuilt (README, "Data protection"). The clear columns kept the birth
-- date and the first and last four characters of the ID number: with the grid's county that
-- left nothing hidden. People now keep only the birth year in clear (the full date is part of
-- the sealed ID number, which the validation makes agree with it), and the mask keeps the first
-- two characters and the last one. Both are computed from what is stored: no key is needed.
ALTER TABLE people ADD COLUMN birth_year BIGINT NOT NULL DEFAULT 0;
UPDATE people SET
    birth_year = CAST(substr(birth_date, 1, 4) AS BIGINT),
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
ALTER TABLE record_history DISABLE TRIGGER record_history_append_only;
UPDATE record_history SET before_json = (
    (before_json::jsonb - 'birth_date') || jsonb_build_object(
        'birth_year', CAST(substr(before_json::jsonb ->> 'birth_date', 1, 4) AS BIGINT),
        'id_masked', CASE
            WHEN length(before_json::jsonb ->> 'id_masked') >= 12
                THEN substr(before_json::jsonb ->> 'id_masked', 1, 2)
                || substr('********************', 1, length(before_json::jsonb ->> 'id_masked') - 3)
                || substr(before_json::jsonb ->> 'id_masked', length(before_json::jsonb ->> 'id_masked'), 1)
            WHEN length(before_json::jsonb ->> 'id_masked') >= 6
                THEN substr(before_json::jsonb ->> 'id_masked', 1, 1)
                || substr('************', 1, length(before_json::jsonb ->> 'id_masked') - 1)
            ELSE before_json::jsonb ->> 'id_masked' END))::text
WHERE table_name = 'people' AND before_json IS NOT NULL
    AND before_json::jsonb ->> 'birth_date' IS NOT NULL;
ALTER TABLE record_history ENABLE TRIGGER record_history_append_only;
