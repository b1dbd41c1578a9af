-- Reserved for the staffops work; a no-op until it needs a change of schema.
SELECT 1;
