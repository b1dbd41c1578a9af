//! Who may do what with basic information (人、房、组织、物). Scope (the caller's node) bounds every
//! read and write; these rules say which roles act at all inside their scope.
//!
//! - Read masked records: the staff who keep or oversee them — administrators, leaders,
//!   operators, commanders, grid leaders and grid workers. Department handlers work on events,
//!   volunteers help residents: neither reads the register.
//! - Write (create, edit, tag, remove): those who keep the register — grid workers, grid leaders,
//!   operators and administrators.
//! - See key-group tags (重点人员 labels are sensitive): the same keepers plus commanders, who
//!   dispatch visits; leaders see counts only.
//! - Reveal a full ID number or phone (with a reason, audited): the keepers only.
//! - Read the audit log: administrators only (the log is not divided by area).

use crate::permission::{Permission, may};
use crate::role::Role;

// The rules themselves are rows of the one permission table; these name them for the register.

pub fn may_read(role: Role) -> bool {
    may(role, Permission::ReadBasic)
}

pub fn may_write(role: Role) -> bool {
    may(role, Permission::WriteBasic)
}

pub fn may_see_tags(role: Role) -> bool {
    may(role, Permission::SeeTags)
}

pub fn may_reveal(role: Role) -> bool {
    may(role, Permission::Reveal)
}

pub fn may_audit(role: Role) -> bool {
    may(role, Permission::ReadAudit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepers_reveal_others_do_not() {
        for r in [Role::Worker, Role::GridLeader, Role::Operator, Role::Admin] {
            assert!(
                may_read(r) && may_write(r) && may_see_tags(r) && may_reveal(r),
                "{r:?}"
            );
        }
        for r in [Role::Leader, Role::Commander] {
            assert!(may_read(r) && !may_write(r) && !may_reveal(r), "{r:?}");
        }
        assert!(may_see_tags(Role::Commander));
        assert!(!may_see_tags(Role::Leader));
        for r in [Role::DeptHandler, Role::Volunteer] {
            assert!(!may_read(r) && !may_see_tags(r) && !may_reveal(r), "{r:?}");
        }
        let auditors: Vec<Role> = Role::ALL.into_iter().filter(|r| may_audit(*r)).collect();
        assert_eq!(auditors, vec![Role::Admin]);
    }
}
