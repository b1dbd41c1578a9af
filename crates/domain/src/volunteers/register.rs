//! Who the volunteers are (附件3/4: building leaders, unit leaders, other volunteers) and the
//! rules of applying and approving (filled in by its part).

use serde::{Deserialize, Serialize};

/// A volunteer's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    /// 楼栋长.
    BuildingLeader,
    /// 单元长.
    UnitLeader,
    /// Any other volunteer.
    Volunteer,
}

impl Post {
    pub const ALL: [Post; 3] = [Post::BuildingLeader, Post::UnitLeader, Post::Volunteer];

    pub fn as_str(self) -> &'static str {
        match self {
            Post::BuildingLeader => "building_leader",
            Post::UnitLeader => "unit_leader",
            Post::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Whether the post is one the street's excellence awards choose from.
    pub fn is_leader(self) -> bool {
        matches!(self, Post::BuildingLeader | Post::UnitLeader)
    }
}
