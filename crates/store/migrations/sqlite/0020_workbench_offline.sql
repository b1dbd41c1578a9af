-- Reserved for the workbench_offline work; a no-op until it needs a change of schema.
SELECT 1;
