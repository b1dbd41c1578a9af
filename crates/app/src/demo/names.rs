//! Name parts for the demo city (see `layout`). Invented place names built from common
//! characters of Fujian place names; people's names from common surnames and given-name
//! characters.

pub(crate) const COUNTY_NAMES: [&str; 8] = [
    "东湖", "西岭", "南江", "北山", "青云", "白沙", "金溪", "龙泉",
];

pub(crate) const STREET_NAMES: [&str; 40] = [
    "东街", "南街", "鼓东", "鼓西", "温泉", "洪山", "安泰", "华大", "水部", "茶亭", "五凤", "王庄",
    "上渡", "仓前", "新港", "鳌峰", "象园", "后洲", "义洲", "瀛洲", "宁化", "上海", "临江", "对湖",
    "金山", "三叉", "东门", "西门", "北门", "江滨", "桂湖", "樟林", "花港", "榕城", "凤尾", "梅峰",
    "屏西", "湖前", "观音", "塔头",
];

pub(crate) const TOWN_NAMES: [&str; 40] = [
    "南台", "城门", "盖山", "建新", "宦溪", "寿山", "日溪", "岭头", "白湖", "竹岐", "荆溪", "上街",
    "南屿", "南通", "祥谦", "青口", "尚干", "江口", "潭头", "梅花", "鸿尾", "洋里", "廷坪", "大湖",
    "白塔", "小箬", "丹阳", "琯头", "浦口", "东岱", "坑园", "蓼沿", "溪源", "鹤上", "古槐", "金峰",
    "松下", "江镜", "龙田", "渔溪",
];

/// First and second characters of community (社区) names.
pub(crate) const COMMUNITY_HEAD: [&str; 30] = [
    "华", "安", "福", "祥", "和", "康", "乐", "兴", "隆", "盛", "泰", "平", "文", "光", "明", "新",
    "锦", "榕", "凤", "通", "阳", "清", "朝", "桂", "梅", "仁", "德", "嘉", "瑞", "丰",
];
pub(crate) const COMMUNITY_TAIL: [&str; 24] = [
    "园", "苑", "城", "庭", "湖", "江", "山", "桥", "路", "巷", "坊", "里", "亭", "门", "桥", "街",
    "峰", "岭", "洲", "滨", "港", "林", "塘", "河",
];

/// First and second characters of village (村) names.
pub(crate) const VILLAGE_HEAD: [&str; 32] = [
    "东", "西", "南", "北", "上", "下", "前", "后", "大", "小", "新", "龙", "凤", "金", "石", "竹",
    "梅", "桃", "柳", "杨", "林", "黄", "高", "长", "溪", "洋", "坂", "岭", "马", "牛", "鹤", "白",
];
pub(crate) const VILLAGE_TAIL: [&str; 24] = [
    "湖", "坑", "洋", "屿", "头", "岭", "坂", "厝", "山", "溪", "桥", "塘", "坪", "浦", "亭", "园",
    "埔", "境", "里", "墩", "垅", "兜", "岐", "岗",
];

pub(crate) const COUNTY_DEPARTMENTS: [&str; 7] = [
    "公安分局",
    "住建局",
    "生态环境局",
    "应急管理局",
    "城市管理局",
    "民政局",
    "市场监管局",
];

pub(crate) const TOWNSHIP_DEPARTMENTS: [&str; 5] =
    ["综治办", "派出所", "司法所", "城管中队", "安监站"];

pub(crate) const SCHOOLS: [&str; 8] = [
    "实验小学",
    "第一中学",
    "第三中学",
    "外国语学校",
    "师范附属小学",
    "职业技术学院",
    "第二实验小学",
    "第八中学",
];
pub(crate) const HOSPITALS: [&str; 6] = [
    "市第一医院",
    "中医院",
    "妇幼保健院",
    "第二人民医院",
    "协和医院",
    "儿童医院",
];
pub(crate) const PARKS: [&str; 6] = [
    "工业园区",
    "软件园",
    "科技园",
    "物流园",
    "高新园区",
    "创业园",
];
pub(crate) const MARKETS: [&str; 5] = [
    "农贸市场",
    "海鲜批发市场",
    "建材市场",
    "花鸟市场",
    "果蔬批发市场",
];
pub(crate) const OFFICES: [&str; 4] = ["行政服务中心", "政府机关大院", "市民服务中心", "税务大楼"];
pub(crate) const ENTERPRISES: [&str; 5] = ["电力公司", "机械厂", "纺织厂", "自来水厂", "食品厂"];

pub(crate) const SURNAMES: [&str; 64] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "任", "卢", "姚", "沈", "钟", "姜", "崔", "谭", "陆", "范", "汪", "廖", "石", "金", "方", "游",
];
pub(crate) const COMPOUND_SURNAMES: [&str; 5] = ["欧阳", "司马", "上官", "诸葛", "东方"];

pub(crate) const GIVEN: [&str; 150] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "玲", "鹏", "红", "飞",
    "斌", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "欢", "阳", "佳", "晨",
    "波", "琳", "婷", "雪", "倩", "丹", "萍", "燕", "慧", "莉", "颖", "梅", "兰", "琴", "蓉", "云",
    "峰", "海", "波", "成", "志", "新", "春", "荣", "亮", "东", "晓", "毅", "俊", "振", "家", "德",
    "瑞", "思", "雨", "欣", "怡", "子", "涵", "轩", "睿", "博", "嘉", "泽", "昊", "然", "诗", "梦",
    "晶", "悦", "璐", "彤", "琪", "瑶", "蕾", "薇", "琦", "淑", "惠", "珍", "美", "凤", "金", "玉",
    "福", "生", "祥", "贵", "富", "安", "宏", "伦", "清", "永", "光", "天", "达", "庆", "维", "思",
    "立", "坤", "松", "山", "江", "河", "冰", "雷", "泉", "启", "卫", "忠", "信", "良", "益", "松",
    "慧", "敏", "宏", "杰", "彬", "铭",
];

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::{COMPOUND_SURNAMES, GIVEN, SURNAMES};
    use wangge_domain::basic::pinyin::initials;

    /// Every character of the demo names has a pinyin initial that is a lower-case ASCII letter,
    /// so name search finds every demo person by initials.
    #[test]
    fn every_name_character_has_an_initial() {
        for s in SURNAMES.iter().chain(&COMPOUND_SURNAMES).chain(&GIVEN) {
            for c in s.chars() {
                // After a leading "a" the character is read as any other (not as a surname).
                let got = initials(&format!("a{c}"));
                let l = got
                    .chars()
                    .nth(1)
                    .unwrap_or_else(|| panic!("no initial for {c}"));
                assert!(l.is_ascii_lowercase(), "{c} -> {l}");
            }
        }
    }
}
