//! The system actor: what acts without a signed-in person — the scheduler's reminders and
//! escalations, the command line run by the operator of the machine, the demo generator. It is
//! the only holder of a scope over the whole tree; a person's scope comes from their node.
//! History and audit rows name it as the system (user id 0), never as a made-up person.

use crate::scope::Scope;

/// A capability: holding a `System` is what lets code read and write across the whole tree.
/// Web handlers never make one (a test in the web crate checks); they act with the scope of
/// the signed-in principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct System {
    _private: (),
}

impl System {
    /// The user id history rows record for the system (no user has it: ids start at 1).
    pub const USER_ID: i64 = 0;

    /// For the scheduler, the command line and the demo.
    pub fn acting() -> System {
        System { _private: () }
    }

    /// The whole tree.
    pub fn scope(&self) -> Scope {
        Scope::everything()
    }
}
