//! Roles (what each may do is the table in `permission`). A user holds one role at one node; the node bounds their scope.

use serde::{Deserialize, Serialize};

use crate::tree::NodeKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Leader,
    Operator,
    Commander,
    GridLeader,
    Worker,
    DeptHandler,
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::Leader,
        Role::Operator,
        Role::Commander,
        Role::GridLeader,
        Role::Worker,
        Role::DeptHandler,
        Role::Volunteer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Operator => "operator",
            Role::Commander => "commander",
            Role::GridLeader => "grid_leader",
            Role::Worker => "worker",
            Role::DeptHandler => "dept_handler",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The node kinds a user of this role may be attached to.
    pub fn allowed_nodes(self) -> &'static [NodeKind] {
        match self {
            Role::Admin | Role::Leader => &[NodeKind::City, NodeKind::County, NodeKind::Township],
            Role::Operator => &[NodeKind::City, NodeKind::County, NodeKind::Township],
            Role::Commander => &[NodeKind::Township],
            Role::GridLeader => &[NodeKind::Village],
            Role::Worker => &[NodeKind::Grid],
            Role::DeptHandler => &[NodeKind::Department],
            Role::Volunteer => &[NodeKind::Village, NodeKind::Grid, NodeKind::Building],
        }
    }
}

crate::named_enum_conversions!(Role, "role");

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert!(!r.allowed_nodes().is_empty());
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::try_from("worker".to_string()), Ok(Role::Worker));
        assert!(Role::try_from("root").is_err());
    }
}
