//! The 双随机 draw (SPEC §8): inspection targets and inspectors both chosen at random, in a
//! way anyone can re-run. Filled by the supervision part.
