-- Reserved for the lists_more work; a no-op until it needs a change of schema.
SELECT 1;
