-- Reserved for the workbench's per-day counts; a no-op until it needs a change of schema.
SELECT 1;
