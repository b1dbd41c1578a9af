//! The demo city 示范市: a deterministic admin tree with boundaries that tile exactly.
//!
//! Geometry: a lattice of vertices around lon 119.30, lat 26.08, every vertex jittered by up to
//! 20 % of a cell in each axis (small enough that no cell can flip or self-intersect). Each grid
//! is one lattice cell; each village, township, county and the city is a rectangular block of
//! cells in index space, and its boundary is the ring walked around the block through the same
//! shared lattice vertices. So children tile their parent exactly, with no gaps or overlaps.
//!
//! Everything comes from [`SplitMix64`] seeded with the seed, so a seed gives the same city on
//! every machine.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use wangge_domain::code::child_code;
use wangge_domain::rng::SplitMix64;
use wangge_domain::tree::{GridKind, NodeKind};

use super::names;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Small,
    City,
}

#[derive(Debug, Clone)]
pub struct LayoutNode {
    pub code: String,
    pub kind: NodeKind,
    pub name: String,
    pub parent: Option<usize>,
    pub boundary: Option<MultiPolygon<f64>>,
    pub grid_kind: Option<GridKind>,
}

/// The city's code and name.
pub const CITY_CODE: &str = "350100000000";
pub const CITY_NAME: &str = "示范市";

const CENTER_LON: f64 = 119.30;
const CENTER_LAT: f64 = 26.08;
const JITTER: f64 = 0.2;
const EXCLUSIVE_EVERY: usize = 5;

/// A block of cells: columns `i0..i1`, rows `j0..j1` (rows grow northwards).
#[derive(Debug, Clone, Copy)]
struct Block {
    i0: usize,
    j0: usize,
    i1: usize,
    j1: usize,
}

impl Block {
    fn w(&self) -> usize {
        self.i1 - self.i0
    }
    fn h(&self) -> usize {
        self.j1 - self.j0
    }
    fn center(&self) -> (f64, f64) {
        (
            (self.i0 + self.i1) as f64 / 2.0,
            (self.j0 + self.j1) as f64 / 2.0,
        )
    }
}

struct Lattice {
    nx: usize,
    verts: Vec<Coord<f64>>,
}

impl Lattice {
    fn new(nx: usize, ny: usize, rng: &mut SplitMix64) -> Lattice {
        let cell_m = 470.0 + rng.next_f64() * 60.0;
        let aspect = 0.92 + rng.next_f64() * 0.1;
        let dlon = cell_m / (111_320.0 * CENTER_LAT.to_radians().cos());
        let dlat = cell_m * aspect / 110_800.0;
        let mut verts = Vec::with_capacity((nx + 1) * (ny + 1));
        for j in 0..=ny {
            for i in 0..=nx {
                let jx = (rng.next_f64() * 2.0 - 1.0) * JITTER * dlon;
                let jy = (rng.next_f64() * 2.0 - 1.0) * JITTER * dlat;
                let x = CENTER_LON + (i as f64 - nx as f64 / 2.0) * dlon + jx;
                let y = CENTER_LAT + (j as f64 - ny as f64 / 2.0) * dlat + jy;
                verts.push(Coord {
                    x: round7(x),
                    y: round7(y),
                });
            }
        }
        Lattice { nx, verts }
    }

    fn v(&self, i: usize, j: usize) -> Coord<f64> {
        self.verts[j * (self.nx + 1) + i]
    }

    /// The counter-clockwise ring around a block, through every lattice vertex on its border.
    fn boundary(&self, b: Block) -> MultiPolygon<f64> {
        let mut pts = Vec::with_capacity(2 * (b.w() + b.h()) + 1);
        for i in b.i0..=b.i1 {
            pts.push(self.v(i, b.j0));
        }
        for j in b.j0 + 1..=b.j1 {
            pts.push(self.v(b.i1, j));
        }
        for i in (b.i0..b.i1).rev() {
            pts.push(self.v(i, b.j1));
        }
        for j in (b.j0..b.j1).rev() {
            pts.push(self.v(b.i0, j));
        }
        MultiPolygon::new(vec![Polygon::new(LineString::new(pts), vec![])])
    }
}

fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}

/// Splits `len` into `k` parts of at least `min` each, varied a little by the rng.
fn partition(len: usize, k: usize, min: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let k = k.clamp(1, (len / min.max(1)).max(1));
    let base = len / k;
    let mut sizes = vec![base; k];
    let start = rng.below(k);
    for r in 0..len % k {
        sizes[(start + r) % k] += 1;
    }
    let spread = (base / 4).max(1);
    for _ in 0..k * 2 {
        let a = rng.below(k);
        let b = rng.below(k);
        if a != b && sizes[a] > min && sizes[a] + spread > base && sizes[b] < base + spread {
            sizes[a] -= 1;
            sizes[b] += 1;
        }
    }
    sizes
}

/// Splits a block into column bands, and each band into rows; `rows(band_width, rng)` says how
/// many rows a band gets. Order: west to east, and south to north within a band.
fn split(
    b: Block,
    cols: usize,
    min_w: usize,
    min_h: usize,
    rng: &mut SplitMix64,
    mut rows: impl FnMut(usize, usize, &mut SplitMix64) -> usize,
) -> Vec<Block> {
    let widths = partition(b.w(), cols, min_w, rng);
    let mut out = Vec::new();
    let mut i = b.i0;
    for (band, w) in widths.into_iter().enumerate() {
        let k = rows(band, w, rng);
        let heights = partition(b.h(), k, min_h, rng);
        let mut j = b.j0;
        for h in heights {
            out.push(Block {
                i0: i,
                j0: j,
                i1: i + w,
                j1: j + h,
            });
            j += h;
        }
        i += w;
    }
    out
}

fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i + 1);
        items.swap(i, j);
    }
}

/// Picks `n` distinct names from a pool in a random order, numbering repeats if the pool runs out.
fn pick_names(pool: &[&str], n: usize, rng: &mut SplitMix64) -> Vec<String> {
    let mut order: Vec<usize> = (0..pool.len()).collect();
    shuffle(&mut order, rng);
    (0..n)
        .map(|k| {
            let base = pool[order[k % pool.len()]];
            if k < pool.len() {
                base.to_string()
            } else {
                format!("{base}{}", k / pool.len() + 1)
            }
        })
        .collect()
}

/// A two-character name from head and tail characters, not yet in `used`.
fn compose_name(
    head: &[&str],
    tail: &[&str],
    used: &mut std::collections::HashSet<String>,
    rng: &mut SplitMix64,
) -> String {
    for _ in 0..200 {
        let s = format!("{}{}", rng.pick(head), rng.pick(tail));
        if used.insert(s.clone()) {
            return s;
        }
    }
    let mut n = 2;
    loop {
        let s = format!("{}{}{n}", rng.pick(head), rng.pick(tail));
        if used.insert(s.clone()) {
            return s;
        }
        n += 1;
    }
}

struct Builder {
    nodes: Vec<LayoutNode>,
}

impl Builder {
    fn push(
        &mut self,
        code: String,
        kind: NodeKind,
        name: String,
        parent: Option<usize>,
        boundary: Option<MultiPolygon<f64>>,
        grid_kind: Option<GridKind>,
    ) -> usize {
        self.nodes.push(LayoutNode {
            code,
            kind,
            name,
            parent,
            boundary,
            grid_kind,
        });
        self.nodes.len() - 1
    }

    fn departments(&mut self, parent: usize, list: &[&str]) {
        let (pkind, pcode, pname) = {
            let p = &self.nodes[parent];
            (p.kind, p.code.clone(), p.name.clone())
        };
        for (k, d) in list.iter().enumerate() {
            let code = child_code(pkind, &pcode, NodeKind::Department, k as u32 + 1);
            self.push(
                code,
                NodeKind::Department,
                format!("{pname}{d}"),
                Some(parent),
                None,
                None,
            );
        }
    }
}

struct Plan {
    nx: usize,
    ny: usize,
    /// County blocks with their code sequence and name.
    counties: Vec<(Block, u32, String)>,
    /// Townships per county, given the county's block.
    township_blocks: Vec<Vec<Block>>,
    village_target: (f64, f64),
}

fn plan(scale: Scale, rng: &mut SplitMix64) -> Plan {
    match scale {
        Scale::Small => {
            let nx = 19 + rng.below(3);
            let ny = match nx {
                19 => 16,
                20 => 15,
                _ => 14,
            };
            let whole = Block {
                i0: 0,
                j0: 0,
                i1: nx,
                j1: ny,
            };
            let towns = split(whole, 3, 5, 5, rng, |_, _, _| 2);
            Plan {
                nx,
                ny,
                counties: vec![(whole, 2, "示范区".to_string())],
                township_blocks: vec![towns],
                village_target: (3.2, 2.6),
            }
        }
        Scale::City => {
            let nx = 104 + rng.below(13);
            let ny = (10_000.0 / nx as f64).round() as usize;
            let whole = Block {
                i0: 0,
                j0: 0,
                i1: nx,
                j1: ny,
            };
            // Four column bands of two counties each, some bands holding a single county.
            let singles = rng.below(3);
            let mut bands: Vec<usize> = (0..4).collect();
            shuffle(&mut bands, rng);
            let single_bands: Vec<usize> = bands[..singles].to_vec();
            let blocks = split(whole, 4, 15, 20, rng, |band, _, _| {
                if single_bands.contains(&band) { 1 } else { 2 }
            });
            let seqs = [2u32, 3, 4, 5, 11, 12, 21, 22];
            let (cx, cy) = whole.center();
            // Counties nearer the centre are districts (区), outer ones counties (县).
            let mut by_dist: Vec<usize> = (0..blocks.len()).collect();
            let dist = |b: &Block| {
                let (x, y) = b.center();
                (x - cx).hypot(y - cy)
            };
            by_dist.sort_by(|&a, &b| dist(&blocks[a]).total_cmp(&dist(&blocks[b])));
            let mut county_names = names::COUNTY_NAMES.to_vec();
            shuffle(&mut county_names, rng);
            let mut counties = Vec::new();
            let mut township_blocks = Vec::new();
            for (k, &bi) in by_dist.iter().enumerate() {
                let b = blocks[bi];
                let suffix = if k < blocks.len().div_ceil(2) {
                    "区"
                } else {
                    "县"
                };
                counties.push((b, seqs[k], format!("{}{suffix}", county_names[k])));
                let target = 8 + rng.below(5);
                let cols =
                    ((target as f64 * b.w() as f64 / b.h() as f64).sqrt().round() as usize).max(1);
                let per_band = (target as f64 / cols as f64).round().max(1.0) as usize;
                township_blocks.push(split(b, cols, 5, 5, rng, |_, _, _| per_band));
            }
            Plan {
                nx,
                ny,
                counties,
                township_blocks,
                village_target: (4.0, 3.5),
            }
        }
    }
}

/// The demo city for a seed. Parents come before their children and `parent` is the parent's
/// index. Territorial nodes carry a boundary that tiles their parent exactly; departments
/// (under the county and every township) carry none; `grid_kind` is set on grids only.
pub fn demo_layout(seed: u64, scale: Scale) -> Vec<LayoutNode> {
    let mut root = SplitMix64::new(seed);
    let mut geo_rng = SplitMix64::new(root.next_u64());
    let mut rng = SplitMix64::new(root.next_u64());

    let p = plan(scale, &mut geo_rng);
    let lattice = Lattice::new(p.nx, p.ny, &mut geo_rng);
    let whole = Block {
        i0: 0,
        j0: 0,
        i1: p.nx,
        j1: p.ny,
    };
    let (cx, cy) = whole.center();

    let mut b = Builder { nodes: Vec::new() };
    let city = b.push(
        CITY_CODE.to_string(),
        NodeKind::City,
        CITY_NAME.to_string(),
        None,
        Some(lattice.boundary(whole)),
        None,
    );

    // Every EXCLUSIVE_EVERY-th village holds one exclusive grid; the first three are a school,
    // a hospital and a park.
    let mut used_exclusive: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut exclusive_count = 0usize;
    let mut village_count = 0usize;
    let exclusive_phase = rng.below(EXCLUSIVE_EVERY);

    for (ci, (cblock, cseq, cname)) in p.counties.iter().enumerate() {
        let ccode = child_code(NodeKind::City, CITY_CODE, NodeKind::County, *cseq);
        let county = b.push(
            ccode.clone(),
            NodeKind::County,
            cname.clone(),
            Some(city),
            Some(lattice.boundary(*cblock)),
            None,
        );
        b.departments(county, &names::COUNTY_DEPARTMENTS);

        let towns = &p.township_blocks[ci];
        // The townships nearest the city centre are streets (街道), the rest towns (镇).
        let mut by_dist: Vec<usize> = (0..towns.len()).collect();
        let dist = |t: &Block| {
            let (x, y) = t.center();
            (x - cx).hypot(y - cy)
        };
        by_dist.sort_by(|&a, &c| dist(&towns[a]).total_cmp(&dist(&towns[c])));
        let central = matches!(scale, Scale::Small) || cname.ends_with('区');
        let n_streets = if central {
            towns.len().div_ceil(2)
        } else {
            (towns.len() / 5).max(1)
        };
        let mut is_street = vec![false; towns.len()];
        for &t in &by_dist[..n_streets.min(towns.len())] {
            is_street[t] = true;
        }
        let street_names = pick_names(&names::STREET_NAMES, n_streets, &mut rng);
        let town_names = pick_names(&names::TOWN_NAMES, towns.len() - n_streets, &mut rng);
        let (mut street_seq, mut town_seq) = (0u32, 0u32);
        let mut used_village_names = std::collections::HashSet::new();

        for (ti, tblock) in towns.iter().enumerate() {
            let (tseq, tname) = if is_street[ti] {
                street_seq += 1;
                let s = &street_names[(street_seq - 1) as usize];
                (street_seq, format!("{s}街道"))
            } else {
                town_seq += 1;
                let s = &town_names[(town_seq - 1) as usize];
                (100 + town_seq, format!("{s}镇"))
            };
            let tcode = child_code(NodeKind::County, &ccode, NodeKind::Township, tseq);
            let township = b.push(
                tcode.clone(),
                NodeKind::Township,
                tname,
                Some(county),
                Some(lattice.boundary(*tblock)),
                None,
            );
            b.departments(township, &names::TOWNSHIP_DEPARTMENTS);

            let (tw, th) = p.village_target;
            let cols = ((tblock.w() as f64 / tw).round() as usize).max(1);
            let villages = split(*tblock, cols, 2, 2, &mut geo_rng, |_, _, r| {
                ((tblock.h() as f64 / th + r.next_f64() * 0.6 - 0.3).round() as usize).max(1)
            });
            for (vi, vblock) in villages.iter().enumerate() {
                let (vseq, vname) = if is_street[ti] {
                    let n = compose_name(
                        &names::COMMUNITY_HEAD,
                        &names::COMMUNITY_TAIL,
                        &mut used_village_names,
                        &mut rng,
                    );
                    (vi as u32 + 1, format!("{n}社区"))
                } else {
                    let n = compose_name(
                        &names::VILLAGE_HEAD,
                        &names::VILLAGE_TAIL,
                        &mut used_village_names,
                        &mut rng,
                    );
                    (200 + vi as u32 + 1, format!("{n}村"))
                };
                let vcode = child_code(NodeKind::Township, &tcode, NodeKind::Village, vseq);
                let village = b.push(
                    vcode.clone(),
                    NodeKind::Village,
                    vname.clone(),
                    Some(township),
                    Some(lattice.boundary(*vblock)),
                    None,
                );
                // One exclusive grid in some villages: at least one school, hospital and park.
                let cells = vblock.w() * vblock.h();
                village_count += 1;
                let exclusive_at = if village_count % EXCLUSIVE_EVERY == exclusive_phase {
                    Some(rng.below(cells))
                } else {
                    None
                };
                let mut basic_no = 0;
                let mut gseq = 0u32;
                for j in (vblock.j0..vblock.j1).rev() {
                    for i in vblock.i0..vblock.i1 {
                        let k = (vblock.j1 - 1 - j) * vblock.w() + (i - vblock.i0);
                        gseq += 1;
                        let gcode = child_code(NodeKind::Village, &vcode, NodeKind::Grid, gseq);
                        let cell = Block {
                            i0: i,
                            j0: j,
                            i1: i + 1,
                            j1: j + 1,
                        };
                        let (kind, name) = if exclusive_at == Some(k) {
                            let kind = match exclusive_count {
                                0 => GridKind::School,
                                1 => GridKind::Hospital,
                                2 => GridKind::Park,
                                _ => *rng.pick(&[
                                    GridKind::School,
                                    GridKind::Hospital,
                                    GridKind::Park,
                                    GridKind::Market,
                                    GridKind::Office,
                                    GridKind::Enterprise,
                                ]),
                            };
                            exclusive_count += 1;
                            let pool: &[&'static str] = match kind {
                                GridKind::School => &names::SCHOOLS,
                                GridKind::Hospital => &names::HOSPITALS,
                                GridKind::Park => &names::PARKS,
                                GridKind::Market => &names::MARKETS,
                                GridKind::Office => &names::OFFICES,
                                _ => &names::ENTERPRISES,
                            };
                            let base = *rng.pick::<&'static str>(pool);
                            let label = if used_exclusive.insert(base) {
                                base.to_string()
                            } else {
                                format!("{}{base}", vname.trim_end_matches(['村', '社', '区']))
                            };
                            (kind, format!("{label}专属网格"))
                        } else {
                            basic_no += 1;
                            (GridKind::Basic, format!("{vname}第{basic_no}网格"))
                        };
                        b.push(
                            gcode,
                            NodeKind::Grid,
                            name,
                            Some(village),
                            Some(lattice.boundary(cell)),
                            Some(kind),
                        );
                    }
                }
            }
        }
    }
    b.nodes
}

/// A realistic Chinese full name: a common surname (rarely a compound one) and one or two
/// given-name characters.
pub fn person_name(rng: &mut SplitMix64) -> String {
    let surname = if rng.below(100) < 2 {
        *rng.pick(&names::COMPOUND_SURNAMES[..])
    } else {
        *rng.pick(&names::SURNAMES[..])
    };
    let mut s = surname.to_string();
    s.push_str(rng.pick::<&str>(&names::GIVEN[..]));
    if rng.below(100) < 72 {
        s.push_str(rng.pick::<&str>(&names::GIVEN[..]));
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use wangge_domain::code::validate_under;
    use wangge_domain::geometry::{area_m2, coverage_findings};

    fn children_of(nodes: &[LayoutNode], parent: usize) -> Vec<(String, MultiPolygon<f64>)> {
        nodes
            .iter()
            .filter(|n| n.parent == Some(parent) && n.boundary.is_some())
            .map(|n| (n.code.clone(), n.boundary.clone().unwrap()))
            .collect()
    }

    fn check_structure(nodes: &[LayoutNode]) {
        assert_eq!(nodes[0].code, CITY_CODE);
        assert_eq!(nodes[0].kind, NodeKind::City);
        assert_eq!(nodes[0].name, "示范市");
        let mut codes = HashSet::new();
        for (i, n) in nodes.iter().enumerate() {
            assert!(codes.insert(n.code.clone()), "duplicate code {}", n.code);
            if let Some(p) = n.parent {
                assert!(p < i, "parent after child at {}", n.code);
                let pn = &nodes[p];
                validate_under(n.kind, &n.code, pn.kind, &pn.code).unwrap();
            } else {
                assert_eq!(i, 0);
            }
            assert_eq!(n.boundary.is_some(), n.kind.has_territory(), "{}", n.code);
            assert_eq!(
                n.grid_kind.is_some(),
                n.kind == NodeKind::Grid,
                "{}",
                n.code
            );
        }
        // Names unique among siblings.
        let mut seen = HashSet::new();
        for n in nodes {
            assert!(
                seen.insert((n.parent, n.name.clone())),
                "duplicate name {}",
                n.name
            );
        }
    }

    #[test]
    fn small_city_shape_and_names() {
        let nodes = demo_layout(42, Scale::Small);
        check_structure(&nodes);
        let count = |k: NodeKind| nodes.iter().filter(|n| n.kind == k).count();
        assert_eq!(count(NodeKind::County), 1);
        assert_eq!(nodes[1].code, "350102000000");
        assert_eq!(nodes[1].name, "示范区");
        assert_eq!(nodes[0].boundary, nodes[1].boundary);
        assert_eq!(count(NodeKind::Township), 6);
        let villages = count(NodeKind::Village);
        assert!((30..=50).contains(&villages), "villages {villages}");
        let grids = count(NodeKind::Grid);
        assert!((270..=330).contains(&grids), "grids {grids}");
        let towns: Vec<&LayoutNode> = nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Township)
            .collect();
        assert!(towns.iter().any(|t| t.name.ends_with("街道")));
        assert!(towns.iter().any(|t| t.name.ends_with('镇')));
        for n in &nodes {
            if n.kind == NodeKind::Village {
                let p = &nodes[n.parent.unwrap()];
                if p.name.ends_with("街道") {
                    assert!(n.name.ends_with("社区"), "{}", n.name);
                } else {
                    assert!(n.name.ends_with('村'), "{}", n.name);
                }
            }
            if n.grid_kind == Some(GridKind::Basic) {
                let v = &nodes[n.parent.unwrap()];
                assert!(
                    n.name.starts_with(&v.name) && n.name.ends_with("网格"),
                    "{}",
                    n.name
                );
            }
        }
        for kind in [GridKind::School, GridKind::Hospital, GridKind::Park] {
            assert!(nodes.iter().any(|n| n.grid_kind == Some(kind)), "{kind:?}");
        }
        assert!(
            nodes
                .iter()
                .any(|n| n.name == "示范区公安分局" && n.code == "350102000000D01")
        );
        assert!(
            nodes
                .iter()
                .any(|n| n.kind == NodeKind::Department && n.name.ends_with("综治办"))
        );
        for seed in 0..20 {
            let nodes = demo_layout(seed, Scale::Small);
            let grids = nodes.iter().filter(|n| n.kind == NodeKind::Grid).count();
            let villages = nodes.iter().filter(|n| n.kind == NodeKind::Village).count();
            assert!((270..=330).contains(&grids), "seed {seed}: grids {grids}");
            assert!(
                (30..=50).contains(&villages),
                "seed {seed}: villages {villages}"
            );
            for kind in [GridKind::School, GridKind::Hospital, GridKind::Park] {
                assert!(
                    nodes.iter().any(|n| n.grid_kind == Some(kind)),
                    "seed {seed}"
                );
            }
        }
    }

    #[test]
    fn deterministic() {
        let a = demo_layout(7, Scale::Small);
        let b = demo_layout(7, Scale::Small);
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.code, y.code);
            assert_eq!(x.name, y.name);
            assert_eq!(x.boundary, y.boundary);
            assert_eq!(x.grid_kind, y.grid_kind);
        }
        let c = demo_layout(8, Scale::Small);
        assert_ne!(a[0].boundary, c[0].boundary);
        let mut r1 = SplitMix64::new(3);
        let mut r2 = SplitMix64::new(3);
        for _ in 0..50 {
            let n = person_name(&mut r1);
            assert_eq!(n, person_name(&mut r2));
            let chars = n.chars().count();
            assert!((2..=4).contains(&chars), "{n}");
        }
    }

    #[test]
    fn small_tiles_exactly_and_grid_areas_are_sane() {
        let nodes = demo_layout(42, Scale::Small);
        for (i, n) in nodes.iter().enumerate() {
            let Some(boundary) = &n.boundary else {
                continue;
            };
            let kids = children_of(&nodes, i);
            if !kids.is_empty() {
                let f = coverage_findings(boundary, &kids, 1.0);
                assert!(f.is_empty(), "{}: {f:?}", n.code);
            }
            if n.kind == NodeKind::Grid {
                let a = area_m2(boundary);
                assert!((50_000.0..=1_500_000.0).contains(&a), "{}: {a}", n.code);
            }
        }
    }

    #[test]
    fn city_scale() {
        let nodes = demo_layout(42, Scale::City);
        check_structure(&nodes);
        let count = |k: NodeKind| nodes.iter().filter(|n| n.kind == k).count();
        let grids = count(NodeKind::Grid);
        assert!((9_000..=11_000).contains(&grids), "grids {grids}");
        let counties = count(NodeKind::County);
        assert!((6..=8).contains(&counties), "counties {counties}");
        for (i, n) in nodes.iter().enumerate() {
            if n.kind == NodeKind::County {
                let t = nodes
                    .iter()
                    .filter(|m| m.parent == Some(i) && m.kind == NodeKind::Township)
                    .count();
                assert!((6..=14).contains(&t), "{}: {t} townships", n.code);
            }
        }
        // Coverage of every parent by its children.
        let mut kids: Vec<Vec<(String, MultiPolygon<f64>)>> = vec![Vec::new(); nodes.len()];
        for n in &nodes {
            if let (Some(p), Some(b)) = (n.parent, &n.boundary) {
                kids[p].push((n.code.clone(), b.clone()));
            }
        }
        let mut checked = 0;
        for (i, n) in nodes.iter().enumerate() {
            if let Some(boundary) = &n.boundary
                && !kids[i].is_empty()
            {
                let f = coverage_findings(boundary, &kids[i], 1.0);
                assert!(f.is_empty(), "{}: {f:?}", n.code);
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked}");
        for n in nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Grid)
            .step_by(97)
        {
            let a = area_m2(n.boundary.as_ref().unwrap());
            assert!((50_000.0..=1_500_000.0).contains(&a), "{}: {a}", n.code);
        }
    }
}
