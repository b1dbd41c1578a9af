//! Who may do what: one table of roles against the things they do outside the event workflow
//! (whose steps depend on the event's state as well and live in `event`). Scope still bounds
//! every permission: a role's permission acts only inside the caller's part of the tree.

use serde::Serialize;

use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Draw, split, merge and import grids; add and edit nodes of the tree.
    EditTree,
    /// Create users and change their roles.
    ManageUsers,
    /// Keep what serves the whole deployment: the working-day calendar, the category tree.
    /// Only at the root of the tree (see `deployment_wide`).
    KeepDeployment,
    /// Read masked basic information (人、房、组织、物).
    ReadBasic,
    /// Create, edit, tag, remove and import basic information.
    WriteBasic,
    /// See key-group tags (重点人员 labels are sensitive).
    SeeTags,
    /// Reveal a full ID number or phone, with a reason that is audited.
    Reveal,
    /// Read the audit log (it is not divided by area).
    ReadAudit,
    /// Enter a report taken by phone or in person at a desk.
    TakeReports,
    /// Hand work down to a grid (上级交办); also needs a desk at a township or higher.
    AssignDown,
    /// Supervise (督办) and remind (催办) events at or below one's level without holding them;
    /// the event rules add the level and that the holder does not remind itself.
    Oversee,
    /// Decide transfers of a person's registration between grids (人口迁入/迁出) at the lowest
    /// office above both grids or higher (see `transfer`).
    DecideTransfers,
    /// Record one's own staff work in one's grid: visits, patrols, diary, sweeps, the ledger.
    RecordWork,
    /// Read the staff work of the workers below: weeks and months against the duties, diaries
    /// to comment on, flags to confirm or clear, ledgers to sign off.
    ReviewWork,
    /// Keep the duty rule set of a county or township (`workbench::duties`).
    KeepDuties,
    /// Schedule meetings and trainings, take attendance, issue or waive notices of criticism.
    ManageStaff,
    /// Run the quarterly assessment of the workers below: close a quarter, set the subsidy,
    /// decide appeals, hold 双随机 draws (`assessment`).
    Assess,
    /// Record inspections (督查) and their findings: a village's self-check, quarterly checks,
    /// unannounced visits, phone spot checks.
    Inspect,
    /// A volunteer's own part: sign up for activities, cancel, redeem gifts, read one's points.
    Serve,
    /// Keep a community's volunteers and their work: approve applications, add and import
    /// volunteers, publish activities, confirm who served, publish the month, keep gifts.
    Organise,
    /// A street's (township's) part of the volunteer scheme: the catalogue, "other" values,
    /// quarterly archives, the yearly ranking and awards.
    GovernVolunteers,
}

impl Permission {
    pub const ALL: [Permission; 21] = [
        Permission::EditTree,
        Permission::ManageUsers,
        Permission::KeepDeployment,
        Permission::ReadBasic,
        Permission::WriteBasic,
        Permission::SeeTags,
        Permission::Reveal,
        Permission::ReadAudit,
        Permission::TakeReports,
        Permission::AssignDown,
        Permission::Oversee,
        Permission::DecideTransfers,
        Permission::RecordWork,
        Permission::ReviewWork,
        Permission::KeepDuties,
        Permission::ManageStaff,
        Permission::Assess,
        Permission::Inspect,
        Permission::Serve,
        Permission::Organise,
        Permission::GovernVolunteers,
    ];

    /// The roles that hold this permission.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::EditTree | Permission::ManageUsers | Permission::KeepDeployment => &[Admin],
            Permission::ReadAudit => &[Admin],
            // Department handlers work on events and volunteers help residents: neither reads
            // the register.
            Permission::ReadBasic => &[Admin, Leader, Operator, Commander, GridLeader, Worker],
            Permission::WriteBasic | Permission::Reveal => &[Admin, Operator, GridLeader, Worker],
            // Commanders dispatch visits, so they see whom a visit is for; leaders see counts.
            Permission::SeeTags => &[Admin, Operator, Commander, GridLeader, Worker],
            // A grid worker reports from the field, not from a desk.
            Permission::TakeReports => &[
                Admin,
                Leader,
                Operator,
                Commander,
                GridLeader,
                DeptHandler,
                Volunteer,
            ],
            Permission::AssignDown => &[Admin, Leader, Operator, Commander],
            // The centre's desk and the leaders who watch an area push work along; an
            // administrator keeps the system and does not direct work.
            Permission::Oversee => &[Leader, Operator],
            // The centre's desk keeps the register of its whole area; an administrator stands in.
            Permission::DecideTransfers => &[Admin, Operator],
            // Only a grid's own worker has a grid to work in.
            Permission::RecordWork => &[Worker],
            Permission::ReviewWork => &[Admin, Leader, Operator, Commander, GridLeader],
            Permission::KeepDuties => &[Admin],
            Permission::ManageStaff => &[Admin, Operator, Commander, GridLeader],
            // A township (or higher) office closes quarters; a village leader only self-checks.
            Permission::Assess => &[Admin, Leader, Commander],
            Permission::Inspect => &[Admin, Leader, Operator, Commander, GridLeader],
            Permission::Serve => &[Volunteer],
            // The community (its grid leader) organises; the centre's desk may stand in.
            Permission::Organise => &[Admin, Operator, GridLeader],
            Permission::GovernVolunteers => &[Admin, Operator, Commander],
        }
    }
}

/// Whether a role holds a permission.
pub fn may(role: Role, permission: Permission) -> bool {
    permission.roles().contains(&role)
}

/// Who may report an event on the staff form (from the field or at a desk): every role but a
/// leader, who watches the work and supervises it rather than reporting it.
pub fn may_report(role: Role) -> bool {
    role != Role::Leader
}

/// Permissions that serve the whole deployment are held only at the root of the tree: the node
/// path has one code.
pub fn deployment_wide(node_path: &str) -> bool {
    node_path.split('/').filter(|s| !s.is_empty()).count() == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role against every permission, written out as the grid a reviewer reads: one row a
    /// role, one column a permission in `Permission::ALL` order, `x` where it is held.
    #[test]
    fn every_role_against_every_permission() {
        let expected = [
            (Role::Admin, "xxxxxxxxxx.x.xxxxx.xx"),
            (Role::Leader, "...x....xxx..x..xx..."),
            (Role::Operator, "...xxxx.xxxx.x.x.x.xx"),
            (Role::Commander, "...x.x..xx...x.xxx..x"),
            (Role::GridLeader, "...xxxx.x....x.x.x.x."),
            (Role::Worker, "...xxxx.....x........"),
            (Role::DeptHandler, "........x............"),
            (Role::Volunteer, "........x.........x.."),
        ];
        assert_eq!(expected.len(), Role::ALL.len());
        for (role, row) in expected {
            let got: String = Permission::ALL
                .iter()
                .map(|p| if may(role, *p) { 'x' } else { '.' })
                .collect();
            assert_eq!(got, row, "{role:?}");
        }
    }

    #[test]
    fn leaders_do_not_report() {
        let reporters: Vec<Role> = Role::ALL.into_iter().filter(|r| may_report(*r)).collect();
        assert_eq!(reporters.len(), Role::ALL.len() - 1);
        assert!(!may_report(Role::Leader));
        assert!(may_report(Role::Worker));
    }

    #[test]
    fn deployment_is_the_root() {
        assert!(deployment_wide("/350100000000/"));
        assert!(!deployment_wide("/350100000000/350102000000/"));
        assert!(!deployment_wide("/"));
    }
}
