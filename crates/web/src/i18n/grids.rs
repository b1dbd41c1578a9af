//! Texts of grid editing, the grid page's events and versions, the board's photo, the map's
//! search and the user form's node picker: (key, 中文, English).

pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("edit.check", "检查覆盖", "Check coverage"),
    (
        "edit.preview_clean",
        "检查通过:无缝隙、无重叠、未超出上级",
        "Check passed: no gaps, no overlaps, nothing outside the parent",
    ),
    (
        "edit.preview_not_clean",
        "注意:按此边界保存后,上级范围内将出现下列缝隙或越界。确认无误再保存",
        "Careful: with this boundary the parent will have the gaps or pieces outside listed below. Save only if that is intended",
    ),
    (
        "edit.overlap_blocked",
        "此边界与相邻网格重叠,不能保存。请调整顶点消除重叠",
        "This boundary overlaps a neighbouring grid and cannot be saved. Move the vertices to remove the overlap",
    ),
    ("edit.save_anyway", "仍然保存", "Save anyway"),
    ("edit.area_after", "本网格面积", "This grid's area"),
    ("version.restore", "恢复", "Restored"),
    ("grid.restore", "恢复此版本", "Restore this version"),
    (
        "grid.restore_confirm",
        "恢复为该版本保存后的边界?恢复本身会记为一个新版本",
        "Restore the boundary as this version left it? The restore is recorded as a new version",
    ),
    ("grid.restore_anyway", "仍然恢复", "Restore anyway"),
    ("grid.restored", "已恢复", "Restored"),
    ("grid.events", "本网格事件", "Events in this grid"),
    ("grid.no_events", "暂无事件", "No events yet"),
    ("board.photo_upload", "网格员照片", "Grid worker's photo"),
    ("board.photo_save", "上传照片", "Upload photo"),
    (
        "board.photo_hint",
        "JPEG、PNG 或 WebP,不超过 5 MB;新照片替换旧照片",
        "JPEG, PNG or WebP up to 5 MB; a new photo replaces the old one",
    ),
    (
        "map.search_placeholder",
        "网格名称或编码",
        "Grid name or code",
    ),
    ("map.search_none", "没有找到该网格", "No grid found"),
    (
        "tree.draw_hint",
        "在地图上依次点击新网格的各个顶点,最后点击第一个顶点闭合。虚线为本级边界,灰色为已有网格",
        "Click the new grid's corners on the map one by one, then click the first corner to close it. The dashed line is this node's boundary; grey areas are existing grids",
    ),
    ("tree.draw_start", "在地图上绘制", "Draw on the map"),
    ("tree.draw_clear", "清除", "Clear"),
    ("tree.boundary_paste", "或粘贴 GeoJSON", "Or paste GeoJSON"),
    (
        "users.node_pick",
        "在下方查找或展开节点,点“选择”",
        "Find or open a node below and press Choose",
    ),
    (
        "users.node_search",
        "按名称或编码查找节点",
        "Find a node by name or code",
    ),
    ("users.node_choose", "选择", "Choose"),
    ("users.node_open", "展开", "Open"),
    ("users.node_chosen", "已选节点", "Chosen node"),
    (
        "users.node_not_for_role",
        "该角色不能设在此类节点",
        "This role does not sit at this kind of node",
    ),
];
