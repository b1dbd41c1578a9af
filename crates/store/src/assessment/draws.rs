//! 双随机 draw rounds (`draw_rounds`). Filled by the supervision part.
