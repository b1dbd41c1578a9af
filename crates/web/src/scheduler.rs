//! The scheduler: overdue events, reminders at yellow and red, automatic escalation; one
//! instance at a time through a lease in the database.
