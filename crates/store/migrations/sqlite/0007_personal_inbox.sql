-- The personal inbox: events held by one person, and the events each person has acted on.
ALTER TABLE events ADD COLUMN holder_user_id INTEGER;
UPDATE events SET holder_user_id = json_extract(state, '$.holder.user_id')
WHERE json_extract(state, '$.holder.type') = 'person';
CREATE INDEX events_holder_user ON events (holder_user_id) WHERE holder_user_id IS NOT NULL;
CREATE INDEX event_history_actor ON event_history (actor_user_id, event_id)
WHERE actor_user_id IS NOT NULL;
