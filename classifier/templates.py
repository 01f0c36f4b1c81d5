"""Templates and slot tables of the corpus generator (`classifier.generate`).

Data, not logic: each `Template` is one phrasing pattern (its own family),
each `Group` one output file. See `classifier.generate` for the syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cluewatch.errors import TrainingDataError

CLUE_AUGMENT_RATE = 0.35
BENIGN_AUGMENT_RATE = 0.15

# ---------------------------------------------------------------------------
# Slot tables
# ---------------------------------------------------------------------------

PLACES: tuple[tuple[str, str], ...] = (
    ("河南", "郑州"), ("河南", "周口"), ("河南", "商丘"), ("山东", "临沂"), ("山东", "菏泽"),
    ("广东", "东莞"), ("广东", "深圳"), ("广东", "湛江"), ("广西", "南宁"), ("广西", "玉林"),
    ("云南", "昆明"), ("云南", "文山"), ("四川", "成都"), ("四川", "达州"), ("贵州", "毕节"),
    ("贵州", "遵义"), ("湖南", "长沙"), ("湖南", "邵阳"), ("湖北", "武汉"), ("湖北", "孝感"),
    ("江苏", "徐州"), ("浙江", "温州"), ("福建", "莆田"), ("安徽", "阜阳"), ("江西", "赣州"),
    ("河北", "邯郸"), ("陕西", "西安"), ("重庆", "万州"), ("甘肃", "天水"), ("黑龙江", "绥化"),
)  # fmt: skip

SLOTS: dict[str, tuple[str, ...]] = {
    # people
    "sex": ("男宝", "女宝", "男孩", "女孩", "男娃", "女娃", "儿子", "闺女", "小男孩", "小女孩"),
    "age": (
        "刚满月", "出生7天", "出生10天", "半个月", "40天", "45天", "55天", "两个月",
        "3个月", "4个月", "半岁", "8个月", "1岁", "1岁半",
    ),
    "baby": ("{sex}{| |，}{age}", "{age}{的|}{sex}"),
    "girl_age": ("3岁", "4岁", "5岁", "6岁", "两岁半", "3岁半"),
    "due": (
        "下个月", "月底", "{2-11}月中旬", "{2-11}月初", "还有{20-60}天", "年底", "过完年",
        "{6-9}月份",
    ),
    "adult_age": tuple(str(n) for n in range(20, 39)),
    "blood": ("A", "B", "O", "AB"),
    "nick": (
        "用户{1000-9999}", "小鱼{10-99}", "晴天{100-999}", "路人甲{10-99}", "阿杰{10-99}",
        "momo{10-99}", "一颗柠檬", "不吃香菜", "江湖小虾", "夜猫子{10-99}",
    ),
    # contacts (fake by construction)
    "wxword": (
        "baobei", "anxin", "yuanmeng", "haoyun", "xingfu", "jiayuan", "youyuan", "chenxi",
        "mumu", "ahong", "dage", "jinxiu", "xiaomei", "lanlan", "tianci", "shunli", "ruyi",
        "huanxi", "aqiang", "laozhou", "meimei", "xiaoyu", "guoguo", "ziyi",
    ),
    "wx": ("fake_{wxword}_{10-99}",),
    "qq": ("{10001-10099}",),
    "phone": ("100 0000 {1000-9999}", "1000000{1000-9999}", "100-0000-{1000-9999}"),
    "tg": ("@fake_{wxword}", "@fake_{wxword}{10-99}"),
    "contact": (
        "加V {wx}", "vx：{wx}", "薇信 {wx}", "➕V {wx}", "V:{wx}", "wx {wx}", "威信{wx}",
        "微信 {wx}", "扣扣 {qq}", "企鹅{qq}", "Q：{qq}", "飞机 {tg}", "TG：{tg}",
        "电话 {phone}", "📞{phone}", "{phone}（微信同号）", "联系方式：{phone}",
    ),
    "lure": (
        "私聊", "私", "看主页", "懂的来", "懂的私", "有意私信", "滴滴我", "戳头像",
        "主页有联系方式", "详情私我", "评论区不方便说，私", "加V详聊", "vx聊", "扣扣聊",
    ),
    "reach": ("{contact}", "{contact}", "{lure}"),
    "emo": ("🙏", "👉", "✅", "🔥", "💕", "🤝", "😊", "❤️", "🈶", "‼️"),
    "when": ("急", "急急急", "今天就要", "这周内", "月底前", "随时", "长期有效", "年前"),
    # places and institutions (obviously generic)
    "hospital": (
        "某某妇产医院", "XX妇幼", "市里一家私立医院", "县医院", "××民营医院", "某三甲医院",
        "本地一家私立产科",
    ),
    "agency": (
        "××助孕中心", "XX生殖咨询", "某某国际医疗", "本机构", "我们团队", "XX好孕", "某某母婴",
    ),
    "abroad_sg": ("格鲁吉亚", "吉尔吉斯", "泰国", "美国", "哈萨克斯坦", "乌克兰"),
    "country": ("越南", "缅甸", "老挝", "柬埔寨"),
    "border": ("河口", "东兴", "瑞丽", "勐腊", "凭祥", "孟连"),
    "scam": ("缅北", "妙瓦底", "西港", "金边", "老挝金三角", "迪拜", "菲律宾", "柬埔寨"),
    "abroad_job": ("迪拜", "柬埔寨", "马来西亚", "泰国", "日本", "越南"),
    "abroad_organ": ("东南亚", "国外", "柬埔寨", "境外"),
    # prices in the shorthand posters use
    "ia_fee": (
        "营养费{3-15}万", "{5-20}w", "{5-20}个", "{3-9}个数", "面议", "红包{2-8}万",
        "感谢费{3-12}万", "补偿{4-16}万", "{5-18}万左右", "低补", "营养费面议",
    ),
    "sg_fee": (
        "{38-88}w全包", "{35-60}万起", "套餐{40-90}万", "{40-80}个", "面议",
        "{45-78}万包成功", "{30-50}万，包性别另加{5-15}万",
    ),
    "egg_fee": ("{1-3}万", "{12-30}k", "{8-20}千", "{1-3}w", "{2-5}万起"),
    "bride_fee": (
        "彩礼{6-18}万全包", "{8-20}w包到家", "{8-18}个", "{6-15}万全包", "{10-20}万包领证",
        "总共{8-16}万",
    ),
    "bd_fee": ("{3-9}千一本", "{5-20}k", "{1-3}个", "面议", "{1-5}万包落户", "{2-8}千"),
    "organ_fee": (
        "{4-30}万", "{5-25}w", "{5-20}个", "{10-40}万起", "价格从优", "当场结{4-12}万",
    ),
    "salary": (
        "月薪{2-5}万", "月入{2-6}w+", "底薪{6-9}千+提成", "月薪{2-3}-{4-6}万",
        "一个月{2-5}万起", "底薪{1-2}万",
    ),
    "daily": ("日结{8-30}00", "一天{1-3}千+", "{8-30}00/天", "日入{1-5}千", "当天结{1-3}千"),
    # benign content
    "pet": ("橘猫", "狸花猫", "英短", "布偶", "三花", "金毛", "柯基", "中华田园犬", "泰迪", "边牧"),
    "pet_age": ("2个月", "3个月", "半岁", "1岁", "两岁", "8个月"),
    "brand": ("资生堂", "雅诗兰黛", "兰蔻", "SK-II", "花王", "无印良品", "爱他美", "a2"),
    "baby_item": (
        "婴儿车", "安全座椅", "婴儿床", "吸奶器", "温奶器", "学步车", "餐椅", "背带", "奶瓶消毒柜",
    ),
    "food": ("螺蛳粉", "火锅", "烤串", "麻辣烫", "肠粉", "胡辣汤", "热干面", "煎饼果子", "酸菜鱼"),
    "weekday": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "city_any": ("{city}", "{city}", "老家", "市区", "城东", "城西"),
}  # fmt: skip

# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

SITE_KINDS = (
    "forum", "tieba", "classifieds", "qa", "microblog", "comment", "ecommerce", "chat",
    "video", "gov", "news",
)  # fmt: skip
TITLED = frozenset({"forum", "classifieds", "ecommerce", "gov", "news"})


@dataclass(frozen=True)
class Template:
    """One phrasing pattern; every post drawn from it shares one family."""

    slug: str
    sites: tuple[str, ...]
    text: str
    title: str = ""
    extra: tuple[str, ...] = ()  # labels besides the group's own (multi-label templates)
    kind: str | None = None  # negative_kind of a hard-negative template


def t(
    slug: str, sites: str, text: str, title: str = "", *, extra: Sequence[str] = (), kind: str = ""
) -> Template:
    unknown = [site for site in sites.split() if site not in SITE_KINDS]
    if unknown:
        raise TrainingDataError(f"template {slug}: unknown site kinds {unknown}")
    return Template(slug, tuple(sites.split()), text, title, tuple(extra), kind or None)


@dataclass(frozen=True)
class Group:
    """One output file: its id code, label, how many posts and from which templates."""

    file: str
    code: str
    label: str | None  # None for benign groups
    count: int
    templates: tuple[Template, ...]
    titles: tuple[str, ...] = ()  # fallback titles for titled sites
    tags: tuple[str, ...] = ()  # microblog hashtags
    negative_kind: str | None = None  # for ordinary posts

    @property
    def augment_rate(self) -> float:
        return CLUE_AUGMENT_RATE if self.label else BENIGN_AUGMENT_RATE


IA = (
    t("newborn-nutrition-fee", "classifieds forum tieba",
      "本人{prov}的，{baby}，身体健康，出生时的检查单都有。家里情况特殊实在养不了，想给孩子找个好人家，"
      "{ia_fee}，诚心要的{contact}，可以来{city}当面看孩子。", "{city}{sex}寻有缘人"),
    t("unborn-due-date", "tieba comment microblog chat",
      "{due}预产期，未知男女，生下来直接抱走，住院费你们出，另外{ia_fee}，{reach}"),
    t("seek-boy-hukou", "forum tieba classifieds",
      "诚心求领一个男宝，越小越好，最好是刚出生的，能上户口的优先考虑，价钱好商量。{prov}及周边，"
      "外省也可以过去接，{contact}", "诚心求领男宝 {prov}"),
    t("cert-included", "classifieds tieba chat",
      "送养{baby}，医院出生证明齐全，父母名字可以直接写你们的，上户口没问题，{ia_fee}，{reach}",
      "宝宝找新家 手续齐全", extra=("birth_documents",)),
    t("group-invite", "chat tieba comment",
      "领送群招新，{prov}本地的优先，进群要验证身份，群里每天都有新宝宝信息，想领的想送的都{contact}"),
    t("single-mother-story", "forum qa microblog",
      "说出来不怕大家笑话，未婚先孕，孩子爸爸早就联系不上了，家里也不知道。孩子现在{age}，"
      "我一个人上班带娃实在撑不下去。不想送福利院，想找个条件好的家庭，对方给点营养费就行，"
      "{3-10}万左右，不要中介，{city}的优先。{contact}", "实在带不了，给孩子找个家"),
    t("broker-stock-list", "classifieds chat",
      "手上现有：{sex}{age}、{sex2}{age2}，都是健康宝宝，有出生证，{ia_fee}起，外地可以送到，{contact}",
      "现有宝宝 可送到"),
    t("abbrev-sy-ly", "comment tieba",
      "{有sy的吗|求ly一个|ly一个}，{sex}，预算{5-15}w，{lure}"),
    t("red-envelope-thanks", "comment microblog tieba",
      "孩子给你们，包个红包意思一下就行，{5-12}万的样子，{place}，{reach}"),
    t("older-girl-divorce", "forum classifieds",
      "家有{girl_age}女孩，聪明懂事，会自己穿衣吃饭。因为离婚两边都不要，想送给有需要的人家，"
      "条件好的优先，补偿面议，{contact}", "{girl_age}女孩找人家"),
    t("qa-answer-advert", "qa",
      "正规渠道排队太慢了，等几年都不一定有。我这边有资源，刚出生的都有，男宝贵一点，"
      "女宝{4-10}万左右，手续我们帮你弄好，{contact}", "想领养一个孩子，除了福利院还有什么办法？"),
    t("pregnant-handover", "classifieds tieba forum",
      "怀孕{5-8}个月，找接手的，生产费用你们包，生完孩子直接带走，另外{ia_fee}，{place}，{reach}",
      "孕{5-8}月 找接手的"),
    t("video-comment-dm", "video comment",
      "视频里这种情况的宝宝我这有，{sex}，{age}，需要的{看主页|私|滴滴我}"),
    t("long-term-fostering", "classifieds forum",
      "可以长期帮人带孩子，不问来路，不用户口，孩子父母不方便出面的也行，年付{1-3}万，"
      "{prov}农村，{contact}", "长期带孩子 不问来路"),
    t("buyer-criteria", "tieba comment forum",
      "求{女宝|男宝|女孩}，{三个月以内|一岁以内|越小越好}，父母身体健康，最好有照片，能接受{5-9}个数，{reach}"),
    t("twins", "forum microblog classifieds",
      "双胞胎{sex}，刚满{20-60}天，一起带走或者分开都行，{ia_fee}一个，{reach}", "双胞胎宝宝找家"),
    t("hospital-handover", "chat classifieds",
      "在{hospital}生，出院当天直接交接，出生证写你们名字，感谢费{5-15}万，先付定金{3-9}千，{contact}",
      "出院直接交接", extra=("birth_documents",)),
    t("relative-cover-story", "forum qa tieba",
      "对外就说是亲戚家过继的，没人会查，{baby}，{ia_fee}，{reach}"),
    t("urgent-today", "comment chat microblog",
      "{when}！{baby}，今天就要送出去，{place}，{ia_fee}，{emo}{contact}"),
    t("emoji-line", "microblog comment",
      "👶{sex} 🍼{age} 💰{ia_fee} 📍{city} {reach}"),
    t("long-due-deposit", "forum tieba",
      "{city}的，说下情况：老大{girl_age}，这个是意外怀上的，{due}生。老公在外地打工一年回不来几次，"
      "婆家也不管，再养一个真的养不起了。想给孩子找个好人家，要求：1. 家里条件好，最好是没孩子的；"
      "2. 出生后直接在医院交接，手续不用你们操心；3. 营养费{5-15}万，先付一半定金，交接时付清。"
      "孩子爸爸这边身高一米七八，大专，我一米六二，都没有遗传病，孕检全部正常，产检单子都在。"
      "这段时间我也想了很久，不是不心疼，是真的没办法，只希望孩子以后能过得好一点，"
      "领走以后我不会再联系，也不会打扰你们的生活。骗子和看热闹的别来，诚心的{contact}，可以先视频看B超单。", "{due}生，给孩子找个好人家"),
    t("long-qa-private-route", "qa",
      "说下我知道的。正规收养要排好几年还要评估，很多人等不了就私下找。我这几年帮人牵线了不少，"
      "流程一般是：先说要求（男宝女宝、几个月以内、亲生父母情况），我这边有合适的就发照片给你看，"
      "看中了付定金，孩子生下来在医院或者月子中心交接，出生证明可以直接写你们的名字。费用看性别和月份，"
      "男宝{10-20}万，女宝{5-10}万，中间的费用都包含在里面。想了解的{contact}，只接诚心的。",
      "不想排队，私下领养一个孩子要怎么操作？", extra=("birth_documents",)),
)  # fmt: skip

SG = (
    t("package-guarantee", "classifieds forum ecommerce",
      "{agency}专业助孕，自有医疗团队和孕妈资源，套餐{sg_fee}，包成功，不成功退款，可选男女，"
      "全程有人陪护，{contact}", "{city}助孕 包成功 包性别"),
    t("surrogate-recruit", "classifieds tieba microblog",
      "招募爱心妈妈，{22-35}岁，生育过一胎，身体健康，补贴{15-30}万，吃住全包，周期一年左右，{contact}",
      "招爱心妈妈 高补贴"),
    t("egg-donor-campus", "classifieds comment microblog",
      "招捐卵志愿者，在校女大学生优先，身高160以上，补贴{egg_fee}，一周左右搞定不影响上课，{contact}",
      "爱心捐卵 高额补贴"),
    t("overseas-package", "forum qa video",
      "{abroad_sg}试管加代怀一条龙，说是当地合法，{40-90}万包出生，宝宝带回国的手续全程协助，{reach}",
      "{abroad_sg}助孕一条龙"),
    t("cert-package", "classifieds chat",
      "代怀全包{45-80}万，生下来医院出生证明直接写你们夫妻的名字，不用办任何手续，{contact}",
      "代怀全包 证件直出", extra=("birth_documents",)),
    t("sex-selection", "comment qa microblog",
      "想要儿子的可以找我们，三代技术选性别，准确率很高，{30-50}w起，{lure}"),
    t("couple-seeks-surrogate", "forum tieba",
      "老婆身体原因怀不了，想找个人帮忙生一个，费用好说，{40-60}个左右，要求35岁以下身体好，"
      "{place}，{reach}", "求好心人帮忙生个孩子"),
    t("dy-short", "comment tieba",
      "{dy|DY|d y}了解下，包成功，{lure}"),
    t("woman-offers-womb", "forum microblog tieba",
      "本人{26-34}岁，生过两胎，身体健康，{prov}人，想借腹帮需要的家庭生孩子，补偿{20-35}万，{contact}"),
    t("success-story-ad", "microblog video",
      "恭喜{prov}的客户喜得{双胞胎男宝|龙凤胎|男宝|千金}🎉 又一例包成功！有需要的哥哥姐姐{reach}，本月名额不多"),
    t("qa-clinic-answer", "qa",
      "谢邀，正规医院不给做的我们能做，{agency}合作多家医院，{sg_fee}，成功率高，{contact}",
      "不孕不育多年，还有什么办法能有自己的孩子？"),
    t("egg-buy-request", "tieba comment",
      "高价求卵，要求985/211学历，身高165以上，长相好，补贴{3-8}万，{reach}"),
    t("pay-schedule", "classifieds chat",
      "孕妈待遇：移植成功后每月营养费{3-8}千，生产后一次性结清{15-30}万，顺产剖腹另算，"
      "中途不乱扣钱，{contact}", "孕妈待遇说明"),
    t("ecommerce-disguise", "ecommerce classifieds",
      "三代试管/供卵/代怀都能安排，不用结婚证，单身也能做，价格{sg_fee}，拍前联系客服{contact}",
      "试管助孕咨询 供卵 代怀 全国可做"),
    t("single-man-client", "forum microblog",
      "单身男士也可以有自己的宝宝，供卵加代怀一站式，{50-90}万全包，全程保密，{reach}"),
    t("broker-to-clients", "chat",
      "孕妈下个月可以排上，已经有人验孕成功了，{city}这边安排住处，有阿姨照顾，客户随时可以视频看，{contact}"),
    t("price-list", "classifieds forum",
      "套餐A：普通试管+代怀 {35-50}万\n套餐B：包男孩 {55-70}万\n套餐C：供卵+代怀 {60-90}万\n"
      "全程本人不用到场，合同保障，{contact}", "{city}助孕价目表"),
    t("village-referral", "tieba comment",
      "{我们村|我老家|我表姐那边}就有人{做这个|帮人生孩子}，一次能拿{15-30}万，有想做的姐妹{私我|{lure}}，"
      "我帮你介绍给中介"),
    t("three-tries-refund", "forum qa",
      "三次内包成功，不成功全额退，我们这边的孕妈都是筛选过的，年龄小身体好，{contact}",
      "做了几次试管都失败了，心累"),
    t("video-caption", "video",
      "专注助孕{5-12}年，{city}有实体，包成功包健康，详情{reach}"),
    t("long-client-review", "forum tieba",
      "本人{35-42}岁，试管失败{3-5}次，医生说不建议再做了。去年经人介绍找了{agency}，跟大家说下真实过程："
      "先签合同交{10-20}万定金，他们安排孕妈（{24-30}岁，生过一胎），在{abroad_sg}那边做移植，第二次就成功了。"
      "孕期每个月给孕妈{5-8}千生活费，中介会发B超和视频。上个月宝宝顺利出生，前后总共花了{50-80}万左右。"
      "需要的姐妹可以私我，我把中介的联系方式推给你，说是我介绍的能优惠，{contact}",
      "试管失败{3-5}次后，我是怎么有宝宝的"),
    t("long-recruit-detail", "classifieds forum",
      "【招募】爱心妈妈（长期）\n要求：{22-35}岁，已生育，身体健康无不良嗜好，体检合格。\n"
      "待遇：移植成功后每月补贴{4-8}千，生产后一次结清{18-30}万，双胞胎另加{3-6}万，吃住公司统一安排，有专人照顾。\n"
      "流程：面试—体检—签协议—移植—孕期—生产，全程保密，不用和客户见面。\n"
      "报名：{contact}，请附本人生活照。", "招募爱心妈妈（长期） 待遇从优"),
)  # fmt: skip

BT = (
    t("package-run-compensation", "classifieds forum",
      "{country}姑娘，18到25岁，老实本分，{bride_fee}，手续全包，三个月内领证，跑了包赔，{contact}",
      "{country}新娘 包成功"),
    t("run-replace", "tieba comment",
      "我们这的姑娘跑了包赔，一年内免费再给你换一个，{reach}"),
    t("group-blind-date-tour", "video microblog classifieds",
      "{3-11}月组团去{country}相亲，一周搞定，当场定人，{bride_fee}，这期还剩{2-6}个名额，{reach}"),
    t("buyer-asks", "tieba forum",
      "{33-45}岁，{prov}农村的，家里穷本地娶不上媳妇，听说可以买个外国媳妇，有门路的兄弟指点下，"
      "{8-15}万以内能接受，{reach}", "有没有靠谱的门路找外国媳妇"),
    t("mountain-girl", "tieba chat",
      "山里的姑娘，{19-24}岁，能干活，家里要{6-12}万就能领走，不领证也行，{contact}"),
    t("obedient-marketing", "microblog video",
      "{country}媳妇听话顾家，不要房不要车，{8-15}w全包到家，想要的{lure}"),
    t("no-papers", "classifieds chat",
      "不用护照不用签证，人直接送到你家，{bride_fee}，先见人后付款，{contact}", "送人到家 先见后付"),
    t("photo-pick", "forum chat",
      "手上有几十个姑娘的照片可以挑，{country}和{country2}的都有，看中了先下定金{3-9}千，{contact}",
      "姑娘照片任挑"),
    t("qa-broker-answer", "qa",
      "谢邀，我就是做这个的，{country}姑娘介绍，{bride_fee}，包领证包生孩子，感兴趣{reach}",
      "大龄农村男青年，娶外国老婆靠谱吗？"),
    t("divorced-widowed", "classifieds forum",
      "离异、丧偶、年纪大的都可以，{country}新娘包娶到家，不成功不收费，{contact}", "包娶到家 不成功不收费"),
    t("short-jargon", "comment",
      "{有要yn媳妇的吗|yn mn有要的吗|lw姑娘有要的吗} {8-15}个包到家 {lure}"),
    t("documents-kept", "chat tieba",
      "人带回来以后证件我们帮你收着，她想跑也跑不了，{bride_fee}，{contact}"),
    t("border-route", "chat",
      "人从{border}那边过来，走小路，到{city}交人，尾款{5-10}万当面付，{contact}"),
    t("family-pressure-pitch", "forum microblog",
      "家里老人天天催？年纪大了本地彩礼要二三十万还不好找？{country}姑娘勤快顾家，{bride_fee}，"
      "从相亲到接回家我们一条龙，跑了包赔，{contact}", "大龄兄弟看过来"),
    t("livestream-pick", "video",
      "直播间里的姑娘都能介绍，看中哪个扣1，{bride_fee}，{reach}"),
    t("resell-wife", "tieba comment",
      "媳妇不想要了可以转给需要的，{5-10}万，人老实不跑，{contact}"),
    t("cheaper-than-local", "comment microblog",
      "比本地彩礼便宜多了，{8-14}万全包到家，{lure}"),
    t("myanmar-laos-list", "classifieds chat",
      "缅甸、老挝姑娘都有，{6-12}个起，可以加急，包接包送，{contact}", "外国姑娘 包接包送"),
    t("buyer-group-ask", "chat tieba",
      "群里有没有做{country}新娘的，我表哥{35-48}岁想找一个，{10-15}万以内，包领证的优先，{reach}"),
    t("long-process-faq", "forum tieba",
      "很多兄弟问{country}新娘的流程，统一回复：1. 先加我看照片，选好两三个意向；2. 组团过去，包机票住宿，"
      "当面相亲，一般{3-5}天就能定；3. 定下来交彩礼和手续费，{bride_fee}；4. 我们负责办手续，{2-4}个月内接回国。"
      "保证姑娘18到25岁，没结过婚，没有孩子。半年内跑了免费再找一个。名额有限，{contact}",
      "{country}新娘流程统一回复"),
)  # fmt: skip

BD = (
    t("blank-cert", "classifieds comment",
      "出生医学证明空白本，带钢印，{bd_fee}，全国都能用，{contact}", "出生证明 带钢印"),
    t("csz-short", "comment tieba",
      "{csz|CSZ|cs证}有需要的{lure}，{当天出|可查可验|全国都能办|价格美丽}"),
    t("hukou-arrange", "forum classifieds",
      "孩子没户口？超生、非婚、抱养的各种情况都能办，包上户，{bd_fee}，{contact}", "孩子上户口 各种情况可办"),
    t("dna-no-presence", "ecommerce classifieds",
      "亲子鉴定报告，不用本人到场，寄样本或者直接出报告都行，可以用来上户口，{bd_fee}，{contact}",
      "亲子鉴定报告 不用到场"),
    t("hospital-insider", "chat tieba",
      "{hospital}有内部关系，真的出生证明，网上能查到，{bd_fee}，{reach}"),
    t("fill-names", "comment tieba",
      "章都盖好了，名字日期自己填，{2-6}千一本，{lure}"),
    t("qa-adopted-child-answer", "qa",
      "谢邀，抱来的孩子上户口其实不难，补一个出生证明就行，我们这边能办，{contact}",
      "抱养的孩子没有出生证明怎么上户口？"),
    t("home-birth-long", "forum",
      "院外出生、在家生的、外地抱回来的，没有出生证明的都可以找我。三个工作日出证，"
      "和医院开的一模一样，纸张钢印都是真的，上户口、办社保、上学都能用。价格{bd_fee}，"
      "先付一半，拿到证再付另一半，{contact}", "没有出生证明的看过来"),
    t("by-year", "classifieds",
      "出生证明，{2010-2018}年以后的都能做，新版{4-8}千，旧版{2-4}千，可以加急，{contact}",
      "出生证明 新旧版都有"),
    t("requester", "tieba qa",
      "求办一个出生证明，孩子是抱养的，没有任何手续，{city}的，多少钱都行，{reach}"),
    t("dna-any-result", "comment microblog",
      "亲子鉴定想要什么结果就出什么结果，{bd_fee}，{lure}"),
    t("one-stop-hukou", "chat",
      "落户一条龙：出生证加户口，{1-4}万全包，资料发我，{contact}"),
    t("ecommerce-disguise", "ecommerce",
      "各类证明加急办理，出生医学证明、亲子鉴定都可以，拍下后联系客服提供资料，{contact}",
      "证件服务 咨询 加急"),
    t("video-comment", "video comment",
      "{评论区不方便说|这里说不了}，{出生证|csz|上户口}相关的{看主页|私|滴滴}，{当天出|可查|}"),
    t("seal-check", "classifieds",
      "医院公章，出生证明可查可验，{bd_fee}，{contact}", "出生证明 可查可验"),
    t("change-info", "forum comment",
      "出生证明改名字、改日期、改父母信息都可以，不用回原医院，{reach}"),
    t("surplus-stock", "chat tieba",
      "手上还有几本{prov}的出生证，正规纸张，便宜出，{bd_fee}，{reach}"),
    t("born-abroad", "qa forum",
      "孩子在国外生的回来上不了户口？找我，直接给你办国内医院的出生证明，{contact}",
      "国外生的孩子回国怎么落户"),
    t("wholesale-peers", "classifieds chat",
      "出生证明长期供应，同行拿货价格优惠，量大从优，{contact}", "出生证 同行合作"),
    t("long-service-menu", "forum classifieds",
      "非婚生、超生、抱养、在家生的孩子没有出生医学证明，上不了户口，上学、医保都成问题。我们是专业团队，"
      "{prov}、{prov2}多家医院有合作，提供：1. 真实出生医学证明（可查）；2. 配套亲子鉴定报告，不用到场；"
      "3. 落户指导，包办到户口本上。只需要孩子照片和父母身份证复印件，办理周期{7-20}天，费用{bd_fee}，"
      "办好再付尾款。{contact}", "孩子没有出生证明上不了户口？专业办理"),
)  # fmt: skip

LT = (
    t("typist-high-pay", "classifieds tieba",
      "招打字员、客服，{salary}，包吃包住包机票，不要学历不要经验，会打字就行，"
      "没护照也能过去，{contact}", "{scam}高薪招聘 月入过万"),
    t("no-passport-route", "chat comment",
      "没护照也能出去，有人带路，从{border}过，到了就上班，{lure}"),
    t("deaf-mute", "classifieds chat",
      "招聋哑人{3-10}名，砖厂和工地都有，包吃包住，工资年底一次结，带人来的每个给{2-8}百介绍费，{contact}",
      "招聋哑人 包吃住"),
    t("underage-no-id", "tieba classifieds",
      "电子厂招工，{15|16}岁以上就行，不用身份证，包吃住，工资{3-5}千，{contact}", "电子厂招工 年龄放宽"),
    t("passport-kept-penalty", "forum classifieds",
      "来了以后护照统一由公司保管，合同签两年，中途要走赔{3-10}万，{salary}，{contact}",
      "海外项目招人 长期"),
    t("fees-deducted", "classifieds",
      "出国务工，所有费用公司先垫付，从工资里慢慢扣，{salary}，机票我们出，{reach}", "出国务工 零费用出境"),
    t("online-chat-promo", "microblog video",
      "{scam}招推广、做网聊，{salary}，底薪加提成，年轻的优先，{reach}"),
    t("head-bounty", "chat tieba",
      "带人过去一个给{3-9}千人头费，要求18到35岁，男女不限，{contact}"),
    t("tourist-visa", "forum qa",
      "办旅游签过去就行，到了公司再给你办工作证，{scam}园区，{salary}，{contact}",
      "{scam}的工作到底能不能去"),
    t("short-lure", "comment",
      "{scam}急招，高薪日结，{lure}"),
    t("disabled-performers", "chat classifieds",
      "招腿脚不方便的跟团跑江湖卖唱，包吃包住，每个月给家里寄{2-4}千，{contact}"),
    t("fishing-boat", "classifieds forum",
      "远洋渔船招船员，不需要经验，一签三年，证件上船以后统一保管，{salary}，{contact}", "远洋渔船招船员"),
    t("qa-answer", "qa",
      "国内打工一辈子也存不下钱，去{scam}一年能挣{20-50}万，我这边有渠道，{reach}",
      "没学历没技术，怎么能快速挣钱？"),
    t("free-ticket", "microblog comment tieba",
      "机票全包，到了{scam}有人接机，第一个月就能拿{1-3}万，只要你敢来，{lure}"),
    t("student-summer", "microblog tieba",
      "暑假出国赚学费，{scam}，{salary}，学生优先，不用签证，{contact}"),
    t("mentally-disabled", "chat",
      "收脑子不太灵光的，能干活就行，{3-8}百一个人头，直接送到厂里，{contact}"),
    t("agency-fee-exit", "classifieds",
      "出国劳务，不要护照不用体检，交{3-9}千中介费包出境，{contact}", "出国劳务 包出境"),
    t("gambling-company", "video classifieds",
      "菲律宾、柬埔寨{博彩|网投}公司招人，{salary}，包吃住，年轻人来了就是赚，{reach}"),
    t("gather-transit", "chat forum",
      "先到{city}集合，统一坐车去边境，对面有人接，路上手机统一保管，{contact}"),
    t("emoji-short", "comment microblog",
      "✈️{scam} 💰{salary} 🏠包吃住 {lure}"),
    t("long-overseas-ad", "classifieds forum",
      "【海外高薪】{scam}项目部招人\n岗位：客服、打字员、推广专员\n要求：18到35岁，会用电脑和手机，"
      "会拼音打字即可，不要学历和经验\n待遇：{salary}，包吃包住，宿舍空调WiFi齐全，每月休息{2-4}天\n"
      "说明：机票公司先垫付，到岗后从工资分期扣回；签证公司统一办理，入职后证件由人事保管；"
      "合同期一年，未满期离职需赔付违约金{3-8}万\n有意者{contact}，发姓名年龄和照片。\n备注：{city}、{city2}均可安排集合，统一送到口岸，"
      "没有护照的可以协助办理出境，路上一切费用公司承担，到岗当天即可上班，名额有限，先到先得。",
      "【海外高薪】{scam}项目部招人"),
    t("long-recruiter-pitch", "tieba microblog",
      "在厂里一个月拿四五千，干到老也买不起房。我{去年|前年}去的{scam}，现在一个月{salary}，"
      "工作就是在电脑上跟人聊天，按业绩拿提成，吃住公司全包。公司现在还缺人，你只要人过来，"
      "护照签证机票都不用管，我们有人在{border}接。想改变命运的兄弟姐妹{reach}，只要年轻肯干。"),
)  # fmt: skip

OT = (
    t("buy-kidney-high", "classifieds tieba",
      "长期高价收肾，18到40岁身体健康就行，{organ_fee}，体检免费，手术后当天结钱，{contact}", "高价收肾"),
    t("sell-own-kidney", "tieba forum comment",
      "本人{adult_age}岁，{blood}型血，不抽烟不喝酒，急需用钱，愿意出一个腰子，{organ_fee}，{reach}"),
    t("matching-broker", "chat classifieds",
      "有{blood}型肾源，配型已经做好，能接受的家属联系，{organ_fee}，医院我们安排，{contact}", "现有肾源"),
    t("liver-request", "forum qa",
      "家里人急需肝源，愿意捐一部分肝的可以联系，营养补偿{10-30}万，{reach}", "求肝源 有偿"),
    t("yaozi-jargon", "comment",
      "收{yaozi|yz|YZ}，{18到40岁|身体好的|不抽烟喝酒的}，懂的来，{organ_fee}"),
    t("emoji-kidney", "microblog comment",
      "🫘高价收 {organ_fee} {lure}"),
    t("debt-lure", "microblog video",
      "网贷还不上？一个肾就能解决，手术后一个礼拜就恢复了，{organ_fee}，{reach}"),
    t("referral-bonus", "tieba chat",
      "介绍一个人来，配型成功给{2-5}千，{contact}"),
    t("overseas-surgery", "forum classifieds",
      "手术在{abroad_organ}做，护照机票我们办，供体回来就拿{organ_fee}，{contact}", "境外手术 供体待遇好"),
    t("cornea", "classifieds comment",
      "收眼角膜，高价，{contact}", "收眼角膜"),
    t("patient-side-broker", "qa forum",
      "谢邀，等国家分配太慢了，我们有私下匹配的渠道，一个月内就能手术，总费用{30-80}万，{contact}",
      "等肾源等了两年，有没有别的办法？"),
    t("short-sell", "comment",
      "出肾 {blood}型 {5-20}w {lure}"),
    t("checkup-paid", "classifieds",
      "卖肾的兄弟看过来，体检费路费全包，配型成功先付{1-3}万定金，{contact}", "卖肾的兄弟看过来"),
    t("student-phone-lure", "microblog tieba",
      "学生党缺钱？一个肾换新手机还有剩，{organ_fee}，全程保密，父母不会知道，{reach}"),
    t("recovery-housing", "chat",
      "住的地方安排好了，手术后休养两周，包吃住，钱当场结清，现在还缺{blood}型的，{contact}"),
    t("fake-relative-donation", "forum chat",
      "装成亲属捐献就行，材料我们来做，医院那边都打点好了，{organ_fee}，{reach}"),
    t("sell-liver", "tieba comment",
      "出一块肝，{adult_age}岁，身体好，{20-40}万，有需要的家属{reach}"),
    t("donor-recruit", "classifieds",
      "长期招供体，年龄18到45，男女不限，{blood}型优先，待遇{organ_fee}，{contact}", "长期招供体"),
    t("video-caption", "video",
      "专业器官匹配，全国都能做，周期短，{reach}"),
    t("long-donor-process", "forum tieba",
      "说下我们这边的流程，想做的自己看：先来{city}做免费体检，验血型和肝肾功能，合格了住我们安排的地方等配型，"
      "吃住全包。配上了就去医院做手术，对外说是亲属捐献，材料我们准备。术后休养{10-20}天，钱一次结清，{organ_fee}。"
      "整个过程{1-3}个月，年龄18到40，身体好没病的都可以。不要问太多，诚心的{contact}",
      "想做的兄弟看流程"),
)  # fmt: skip

SE = (
    t("business-companion", "classifieds forum",
      "招商务陪同，女，20到26岁，形象好气质佳，{daily}，不需要经验，只要放得开，{contact}",
      "高薪招商务伴游 日结"),
    t("club-hostess", "tieba classifieds",
      "{city}高端会所招公主，{daily}，小费另算，愿意出台的收入更高，{contact}", "{city}会所招聘"),
    t("student-dinner", "microblog comment",
      "大学生兼职，周末陪老板吃饭聊天，{daily}，安全保密，{reach}"),
    t("tea-girl-jargon", "comment chat",
      "招新茶妹，包住，{daily}，{lure}"),
    t("overseas-nightclub-debt", "classifieds forum",
      "{abroad_job}夜场招女孩，{salary}，机票签证公司全包，欠的钱从工资里扣，{contact}",
      "{abroad_job}夜场 高薪", extra=("labor_trafficking",)),
    t("dorm-papers-kept", "chat",
      "来了先住公司宿舍，证件统一保管，做满一年才能走，日入{1-3}千起，{contact}"),
    t("spa-technician", "classifieds",
      "养生馆招技师，无经验可以培训，颜值高优先，{daily}，{contact}，懂的来", "养生馆招技师"),
    t("sugar-broker", "microblog video",
      "招{包养|长期陪伴}，学生优先，一个月{1-5}万，只要听话，{reach}"),
    t("model-private-events", "classifieds tieba",
      "招平面模特，要求身材好，拍完还有私人活动，收入{daily}，{contact}", "招平面模特 日结"),
    t("dinner-arrangement", "comment forum",
      "商务饭局陪同，饭后还有安排，愿意的{daily}，不愿意的别来问，{lure}"),
    t("qa-answer", "qa",
      "谢邀，想来钱快就来我们这儿，{city}高端会所，女生{daily}，不看学历只看颜值，{contact}",
      "女生有什么来钱快的工作？"),
    t("streamer-offline", "video microblog",
      "招女主播，线上聊天，线下见面，老板打赏大方，日入{1-5}千+，{lure}"),
    t("short-lure", "comment",
      "{缺钱的妹子|想赚快钱的女生|学生妹}{私我|来}，{日结|一天{1-3}千}，{懂的来|{lure}}"),
    t("recruiter-bounty", "chat",
      "介绍女孩子过来一个给{2-5}千，要年轻漂亮的，{contact}"),
    t("fake-waitress", "classifieds",
      "酒店招女服务员，月薪{1-3}万，18到25岁，身高160以上，面试先发照片。上晚班，陪客人就行，"
      "不用端盘子，收入看个人，{contact}", "酒店高薪招女服务员"),
    t("abroad-drinking", "classifieds microblog",
      "招女生去{abroad_job}陪酒，包机票，做三个月回来买车买房，{contact}"),
    t("loan-trap", "microblog comment",
      "网贷逾期的女生，可以帮你还，条件是来我们这上一段时间班，{reach}"),
    t("private-assistant", "forum",
      "诚招私人助理（女）\n要求：22到28岁，形象好，性格开朗，会聊天，学生优先。\n"
      "内容：陪同出差、参加饭局，其他时间自由。\n待遇：{daily}，另有红包，出行食宿全包。\n"
      "说明：只找放得开的，介意的勿扰。有意{contact}，附两张生活照。", "诚招私人助理 待遇优厚"),
    t("venue-switch", "tieba chat",
      "换场子的姐妹看过来，{city}新场，{daily}，包住，{contact}"),
    t("long-club-recruit", "classifieds forum",
      "{city}高端商务会所诚聘\n岗位：礼仪、公关、KTV陪唱\n要求：女，18到28岁，身高158以上，形象气质好，"
      "性格开朗，学生、新人都可以，不需要经验，有专人带\n待遇：{daily}，小费另算，客人看中的另有私人安排，"
      "收入上不封顶，提供住宿，可以预支\n面试：先发生活照和视频，{contact}", "{city}高端商务会所诚聘"),
)  # fmt: skip

HN = (
    # pet_adoption
    t("pet-free-cat", "classifieds forum",
      "家里{宝宝对猫毛过敏|要搬去外地|老人身体不好|租的房子不让养}，忍痛给{pet}找个新家。"
      "{男孩子|女孩子}，{pet_age}，{疫苗驱虫都做了|已绝育，疫苗打完了|性格粘人，会用猫砂}。"
      "不收任何费用，要求封窗、接受回访，同城优先，{contact}", "免费送养{pet} {city}", kind="pet_adoption"),
    t("pet-dog-find-home", "microblog",
      "{city}有没有人愿意领养狗狗？{pet}，{pet_age}，{很乖，会定点上厕所|不乱叫，见人就摇尾巴|"
      "打过疫苗，身体健康}，领养代替购买，不收钱，只要对它好🐶", kind="pet_adoption"),
    t("pet-kitten-litter", "tieba",
      "{楼下|公司仓库|小区车库}捡了一窝小奶猫，{3-5}只，{已经满月了|快两个月了|刚断奶}，找领养，"
      "男孩女孩都有，要求{有养猫经验|家里封窗|能接受回访}，{city}同城自提，领养不收钱", kind="pet_adoption"),
    t("pet-scam-warning", "comment",
      "{送养|领养}{pet}还要{收|先交}{3-8}百{营养费|押金|运费}的，{多半是繁殖场骗子|十有八九是骗子|"
      "别信}，真心送养的不会这样", kind="pet_adoption"),
    # legal_adoption
    t("ladopt-guide", "gov",
      "{收养登记由县级以上人民政府民政部门办理|办理收养登记，请到县级以上民政部门}。收养人应提交"
      "{户口簿、身份证、|居民身份证、户口簿、}健康检查证明、婚姻状况和抚养教育能力证明，"
      "{经收养评估后登记|民政部门进行收养评估，符合条件的予以登记}。{任何组织和个人不得以送养为名买卖儿童。|"
      "私下送养、收钱送养均属违法。|网上“送养”“领养”信息多涉嫌违法，请勿轻信。}",
      "{收养登记办事指南|{city}收养登记须知|收养登记常见问题}", kind="legal_adoption"),
    t("ladopt-welfare-queue", "forum",
      "我们在{city}儿童福利院登记收养排了{2-4}年，评估、家访、公示一步步来，{上个月|今年春天|前几天}"
      "终于把孩子接回家了。想说一句：别信网上那些送养群，正规收养手续一样都不能少。",
      "走正规渠道收养的经历", kind="legal_adoption"),
    t("ladopt-qa-steps", "qa",
      "{问：想收养孩子要什么条件？|问：普通家庭怎么合法收养孩子？|问：我们结婚{5-10}年没孩子，能收养吗？}"
      "答：{无子女或只有一名子女、年满30周岁|收养人须年满30周岁、有抚养教育能力}，"
      "无不利于未成年人健康成长的违法犯罪记录，{到民政部门申请登记|向{city}民政局咨询登记}。"
      "{网上私下领养是违法的。|给钱抱孩子属于买卖儿童。|别去网上找“送养”的。}", kind="legal_adoption"),
    # police_bulletin
    t("police-jargon-warning", "gov microblog",
      "【{city}公安提醒】网上出现“{送养|营养费|寻有缘人}”“{包成功|包性别}”“{高价收肾|出国高薪}”"
      "等信息要警惕，发布者常用{谐音、拼音、拆字|谐音字和表情|符号隔开文字}逃避审核。"
      "发现线索请拨打110或向网警举报。", "反拐提醒：识别网络黑话", kind="police_bulletin"),
    t("police-case-brief", "gov",
      "近日，{city}警方破获一起利用网络买卖婴儿案，抓获嫌疑人{3-9}名，解救婴儿{2-5}名。"
      "嫌疑人以“营养费”“感谢费”为名收取{5-15}万元不等费用，并伪造出生医学证明。",
      "{city}警方破获网络贩婴案", kind="police_bulletin"),
    t("police-campus-warning", "microblog gov",
      "#网警提示# {校园周边|{city}部分高校|学校厕所和宿舍楼}出现“{爱心捐卵 高额补贴”小卡片，实为非法卵子买卖|"
      "兼职体检 日结”小广告，实为器官买卖|暑假出国 月入过万”二维码，实为境外诈骗招募}引流，"
      "同学们千万别加对方微信，发现请报告{保卫处|辅导员|110}。", "{city}网警：警惕校园周边非法广告",
      kind="police_bulletin"),
    t("police-surrogacy-bust", "gov news",
      "{prov}公安机关打掉一个非法代孕团伙，该团伙在网上以“助孕”“包成功”“包性别”招揽客户，"
      "招募代孕妈妈并提供虚假出生证明，目前{4-12}名嫌疑人已被采取刑事强制措施。",
      "打掉一非法代孕团伙", kind="police_bulletin"),
    # news
    t("news-adoption-ring", "news",
      "记者{调查|暗访|走访}发现，{一些社交平台上|部分母婴群里|短视频评论区}仍有人以“送养”“寻有缘人”"
      "为名发布婴儿信息，并暗示需要支付{3-10}万元“营养费”。律师指出，以营利为目的出卖亲生子女构成拐卖儿童罪。",
      "{“送养”背后的买卖|网络送养调查|“营养费”真相}", kind="news"),
    t("news-kidney-trial", "news",
      "{city}中院近日对一起组织出卖人体器官案作出判决，被告人通过网络发布“高价收肾”信息招募供体，"
      "非法获利{50-200}万元，主犯被判处有期徒刑{5-12}年。", "组织出卖人体器官案宣判", kind="news"),
    t("news-scam-rescue", "news",
      "又有{20-80}名被骗至{scam}的中国公民被解救回国。他们大多是看到“月薪{2-5}万 包吃住 包机票”的"
      "招聘信息后出境，到达后被扣押护照、被迫从事电信诈骗。", "被骗至境外园区人员回国", kind="news"),
    t("news-bride-fraud", "news microblog",
      "{多名|{3-9}名}{city}男子花{10-20}万通过中介“娶”{country}新娘，{婚后不久|不到{2-6}个月}新娘{失联|不辞而别}。"
      "警方提醒：跨国婚姻必须依法登记，“包成功”“跑了包赔”的婚介涉嫌违法。",
      "跨国婚介“骗婚”调查", kind="news"),
    # anti_trafficking_publicity
    t("atp-school-talk", "gov microblog",
      "今天{city}{派出所|公安分局}民警走进{小学|幼儿园|中学}开展防拐安全课，教孩子们不跟陌生人走、"
      "不吃陌生人给的零食、走失时找警察求助。#防拐安全教育#", "防拐安全课进校园",
      kind="anti_trafficking_publicity"),
    t("atp-poster", "gov",
      "{反对拐卖人口，人人有责。|守护孩子，远离拐卖。|打击拐卖，{city}在行动。}"
      "{买卖儿童、妇女是犯罪|买卖妇女儿童是严重犯罪}；“{送养收钱|给钱抱孩子}”“{买媳妇|花钱娶外国新娘}”同样违法。"
      "{发现拐卖线索，请立即拨打110。|发现线索请及时报警。}", "{反拐宣传标语|反拐宣传周}",
      kind="anti_trafficking_publicity"),
    t("atp-share-comment", "comment",
      "{转发了|已转给家里人|说得好}，{普法很有必要|这种宣传要多搞}，{很多老人|村里好多人|我妈}真不知道“{抱个孩子给点红包|"
      "花钱买个媳妇|收钱把孩子送人}”也算违法", kind="anti_trafficking_publicity"),
    # ivf
    t("ivf-clinic-booking", "forum",
      "{city}某三甲医院生殖中心挂号经验：号源每周一放，夫妻双方带身份证和结婚证原件，女方月经第二到五天查激素。"
      "正规医院不存在“包成功”，看到这种广告直接拉黑。", "生殖中心挂号攻略", kind="ivf"),
    t("ivf-egg-freezing", "microblog",
      "{30-38}岁，{决定|周末}去{医院|{city}的生殖中心}咨询冻卵，医生说{国内单身女性目前还不能做|要先评估卵巢功能}，"
      "{只能先关注政策|先把身体养好再说}。#冻卵#", kind="ivf"),
    t("ivf-cost-qa", "qa",
      "问：{试管一次大概多少钱？|做试管要花多少？|{city}做试管贵不贵？}答：在正规生殖中心，一个周期一般{3-6}万元，"
      "{各地医保政策不同，部分项目可报销|有些地方已经纳入医保}。{别信代孕中介的“包成功”。|不要相信网上的“包成功”广告。}",
      kind="ivf"),
    t("ivf-diary", "tieba microblog",
      "试管第{2-3}次移植，今天验孕两道杠！感谢{city}医院生殖科的医生护士，姐妹们坚持就有希望🤰", kind="ivf"),
    # transplant
    t("tx-waiting-list", "forum",
      "透析第{3-6}年，肾移植排队也{快两年了|一年多了|{10-30}个月了}。肾源是国家分配系统按病情、等待时间、"
      "配型综合打分分配的，谁也插不了队，{网上说能“私下匹配”的都是骗子|别信那些私下卖肾源的}。",
      "等肾的日子", kind="transplant"),
    t("tx-donor-family", "microblog",
      "{爸爸走后我们替他|妈妈走后我们替她|哥哥走后我们替他}完成了器官捐献的心愿，{一个肾、一个肝救了三个人|眼角膜让两个人重见光明|"
      "捐出的器官挽救了{2-5}个生命}。器官捐献是无偿的，愿这份爱延续下去。", kind="transplant"),
    t("tx-qa-allocation", "qa",
      "{问：亲属之间可以捐肾吗？|问：爸爸想给我捐一个肾，要走什么流程？|问：活体捐肾有什么限制？}"
      "答：{可以，|}活体器官捐献限于配偶、直系血亲、三代以内旁系血亲，需要医院伦理委员会审查，"
      "{严禁任何形式的买卖。|不能收取任何费用。}", kind="transplant"),
    # job_agency
    t("job-licensed-singapore", "classifieds",
      "我公司持有对外劳务合作经营资格证，招赴新加坡建筑工，月薪约{1-2}万元人民币，签正规劳动合同，"
      "办理工作准证，不收押金，护照本人保管，{contact}", "正规外派 新加坡建筑工", kind="job_agency"),
    t("job-japan-nursing", "forum",
      "走{县里推荐的|人社局推荐的|有资质的}正规公司去日本做{护理|食品加工|建筑}，学了{半年|一年}日语，"
      "签的是{特定技能|技能实习}签证，工资按合同发，没遇到扣护照这种事。想出国的一定查清楚资质。",
      "在日本{工作|打工}{2-5}年，回来说说", kind="job_agency"),
    t("job-verify-agency", "qa",
      "问：{怎么判断出国劳务中介是不是正规的？|出国打工怎么避免被骗？|网上看到高薪出国招聘能信吗？}"
      "答：{到商务部网站查对外劳务合作企业名单|先查公司有没有对外劳务合作资格}，看有没有工作签证，不交高额押金，"
      "不轻信“{不要护照|不用签证}”“月薪几万”的说法。", kind="job_agency"),
    t("job-local-factory", "classifieds tieba",
      "{city}电子厂招普工，18到45岁，要身份证原件，签合同买社保，月薪{5-7}千，包住，{contact}",
      "{city}电子厂招普工", kind="job_agency"),
    # intl_marriage
    t("im-registration", "gov",
      "涉外婚姻登记由{省级民政部门|省级人民政府民政部门或其确定的机关}办理。中国公民需提交户口簿、身份证和无配偶声明；"
      "外籍一方需提交护照及经认证的无配偶证明。{办理前可电话预约。|双方须亲自到场。|不得委托他人代办。}",
      "{涉外婚姻登记指南|{prov}涉外婚姻登记须知}", kind="intl_marriage"),
    t("im-couple-vlog", "microblog video",
      "{中越夫妻日常｜带越南|中缅夫妻日常｜带缅甸|中老夫妻日常｜带老挝|中柬夫妻日常｜带柬埔寨}老婆回{city}过年，第一次吃到家乡的{food}，她说比老家的还好吃😂 #跨国婚姻#",
      kind="intl_marriage"),
    t("im-qa-spouse-visa", "qa",
      "问：{外籍配偶来华怎么办居留？|老婆是{country}人，结婚后怎么来中国长住？|跨国婚姻登记后怎么办签证？}"
      "答：{先在民政部门办理涉外婚姻登记|先依法办理结婚登记}，再凭结婚证申请团聚签证，入境后到"
      "{出入境管理部门|公安出入境窗口}办理居留许可。", kind="intl_marriage"),
    # birth_cert_reissue
    t("bcr-reissue-guide", "gov",
      "《出生医学证明》{遗失|损毁}的，由父母持身份证件、补发申请和原签发机构分娩记录，到原签发医疗机构申请补发，"
      "{一般{5-20}个工作日办结|办理时限为{5-20}个工作日}。网上“代办出生证明”均属违法。",
      "{出生医学证明补发指南|{city}出生医学证明补发须知}", kind="birth_cert_reissue"),
    t("bcr-qa-lost", "qa",
      "问：{孩子出生证明丢了，上学要用怎么办？|出生证明搬家弄丢了能补吗？|出生证明上名字写错了能改吗？}"
      "答：带父母身份证去{出生的医院|原签发医院}申请{补发|办理}，{需要登报声明作废|要填申请表}，一般{5-20}个工作日能拿到。", kind="birth_cert_reissue"),
    t("bcr-newborn-hukou", "forum tieba",
      "分享下{city}给新生儿上户口的流程：带出生医学证明、父母户口本和身份证、结婚证去派出所，"
      "{当场就办好了|半小时就办完了}，一分钱没花。", "新生儿上户口流程", kind="birth_cert_reissue"),
    # paternity_test
    t("pt-judicial-flow", "forum",
      "做司法亲子鉴定的流程：在司法厅公布的机构名录里选机构，{父母孩子三人|当事人}带身份证到场采样、拍照、签字，"
      "{5-10}个工作日出报告，{有正规发票|费用{2-3}千左右}。", "{司法亲子鉴定流程|上户口做亲子鉴定的经历}",
      kind="paternity_test"),
    t("pt-qa-self-sample", "qa",
      "问：{自己寄样本做的亲子鉴定能上户口吗？|网上买的亲子鉴定报告派出所认吗？|不去现场能做亲子鉴定吗？}"
      "答：{不能。|不行。}上户口要司法鉴定，当事人必须本人到场，{网上说“不用到场出报告”的不要信。|"
      "网上代出报告的是违法的。}", kind="paternity_test"),
    t("pt-gov-rule", "gov",
      "{无法提供出生医学证明的|出生医学证明存在疑点的|无户口人员申报登记时}，公安机关可要求申请人提供"
      "{具有资质的鉴定机构|司法鉴定机构}出具的亲子鉴定证明，并开展调查核实。{鉴定须当事人到场采样。|}",
      "{无户口人员登记户口规定|户口登记问答}", kind="paternity_test"),
    # pregnancy
    t("preg-diary", "microblog",
      "孕{20-34}周打卡🤰 宝宝在肚子里踢得欢，老公每天晚上给宝宝讲故事，{due}就要见面啦", kind="pregnancy"),
    t("preg-nutrition-qa", "qa",
      "问：{孕妇贫血吃什么补？|怀孕{4-8}个月血红蛋白低怎么办？|孕期缺铁怎么吃？}答：多吃{红肉、动物肝脏和绿叶菜|"
      "牛肉、鸭血、菠菜}，配合维生素C，严重的要遵医嘱吃铁剂。", kind="pregnancy"),
    t("preg-accident-fee", "tieba",
      "{孕妇|我老婆怀孕{4-8}个月，}被{电动车|外卖车|小轿车}{撞了|刮倒了}，对方只肯出检查费，"
      "我们能不能要营养费和误工费？", kind="pregnancy"),
    t("preg-seat-comment", "comment",
      "{地铁|公交}上给孕妇让个座怎么了，{city}这么多人没一个起身的", kind="pregnancy"),
    # childcare
    t("cc-nanny-ad", "classifieds",
      "正规家政公司，月嫂育儿嫂持证上岗，有健康证和无犯罪记录证明，帮忙带孩子、做辅食，"
      "{6-15}千一个月，签三方合同，{contact}", "{city}月嫂育儿嫂", kind="childcare"),
    t("cc-grandparents", "tieba microblog",
      "{爸妈从老家过来帮忙带孩子，我爸每天送孩子上幼儿园，孩子说最喜欢外公了|"
      "公婆从{city}过来帮忙带孩子，爷爷每天接送孩子，孩子现在最黏奶奶|"
      "我妈退休了过来帮我带孩子，每天变着花样做辅食，孩子胖了一圈}😊", kind="childcare"),
    t("cc-daycare", "forum qa",
      "{city}社区开了普惠托育点，两岁的孩子一个月{1-2}千，老师都持证，家长能线上看监控，宝妈们可以去看看。",
      "社区托育点体验", kind="childcare"),
    # daigou
    t("dg-japan", "ecommerce",
      "日本代购{brand}，专柜小票可查，现货速发，到手价{2-9}百，代购商品不退不换，{contact}",
      "日本代购 {brand} 专柜正品", kind="daigou"),
    t("dg-korea", "classifieds microblog",
      "韩国代购，人在首尔，衣服饰品美妆都能带，每周发一次货，只收跑腿费，{contact}",
      "韩国代购 每周发货", kind="daigou"),
    t("dg-milk-hk", "comment",
      "{香港|澳门}代购奶粉{注意|记得}单次出境只能带两罐，{brand}这种找靠谱的代购比较省心", kind="daigou"),
    # secondhand
    t("sh-baby-item", "ecommerce classifieds",
      "出二手{baby_item}，宝宝大了用不上，八成新，功能都好，原价{1-3}千，现价{2-6}百，{city}同城自提，{contact}",
      "转让二手{baby_item}", kind="secondhand"),
    t("sh-baby-clothes", "tieba",
      "宝宝长得太快，好多{衣服|鞋子|连体衣}吊牌都没拆就穿不下了，{6个月|1岁|2岁}左右的尺码，"
      "想{便宜|免费|打包}转给需要的宝妈，{city}的可以自提", kind="secondhand"),
    t("sh-maternity", "classifieds",
      "出孕妇装和待产包，怀孕时买的，洗干净了，打包{1-3}百，{city}可自提", "出孕妇装 待产包", kind="secondhand"),
    t("sh-phone-swap", "comment",
      "二手{手机|平板|相机}回收价太低了，{还不如挂闲鱼自己卖|回收店才给{3-9}百}", kind="secondhand"),
    # kidney_health
    t("kh-ckd-diet", "forum",
      "慢性肾病三期两年，肌酐稳定在{130-180}左右。饮食听营养科的：低盐、优质低蛋白、少吃高钾水果，每三个月复查一次。",
      "肾病饮食经验", kind="kidney_health"),
    t("kh-yaozi-bbq", "classifieds",
      "烧烤店长期收购新鲜羊腰子、牛腰，要求检疫合格，每天早上送货，量大价优，{contact}",
      "长期收购新鲜羊腰子", kind="kidney_health"),
    t("kh-stone-qa", "qa",
      "问：肾结石{4-8}毫米能自己排出来吗？答：{多喝水、多跳绳|每天喝够两三千毫升水，适当运动}，很多能自行排出，"
      "{疼得厉害或者有积水要及时去泌尿科。|{city}的医院泌尿科可以做体外碎石。}", kind="kidney_health"),
    # nightlife_legit
    t("nl-ktv-waiter", "classifieds",
      "正规量贩式KTV招包厢服务员、收银员，18岁以上，持健康证，底薪{3-4}千加提成，签劳动合同交社保，{contact}",
      "KTV招服务员 正规场所", kind="nightlife_legit"),
    t("nl-bar-staff", "classifieds tieba",
      "{city}精酿酒吧招{吧台|服务员|后厨}，晚{5-7}点到凌晨一点，月薪{4-6}千，有员工餐，签合同交社保",
      "精酿酒吧招聘", kind="nightlife_legit"),
    t("nl-hotel-night", "tieba qa",
      "酒店前台夜班辛苦吗？{city}一家快捷酒店让我下周去上班，说夜班一个人值班。", kind="nightlife_legit"),
    # fiction_or_discussion
    t("fic-drama", "tieba forum",
      "《××》第{10-30}集代孕那条线太压抑了，中介那套“包成功、营养费每月到账”的话术都拍出来了，看得人浑身难受。",
      "【讨论】这剧代孕那段", kind="fiction_or_discussion"),
    t("fic-novel-review", "forum microblog",
      "{读完|刚看完}一本写{country}新娘的{纪实|小说|非虚构}，“跑了包赔”背后是一个个被当成商品的人，"
      "{推荐大家都看看|看完心里堵得慌|作者跑了{3-8}年才写成}。", "书评：远嫁的她们", kind="fiction_or_discussion"),
    t("fic-ethics-debate", "qa",
      "问：{代孕为什么在国内不合法？|有钱人找代孕，穷人当代妈，这公平吗？|代孕应不应该放开？}"
      "答：{涉及把生育和婴儿商品化|核心问题是把女性身体和孩子当成商品}，还有代孕妈妈的健康风险、"
      "亲子关系认定等问题，目前{法律明确禁止医疗机构实施代孕|国内禁止任何形式的代孕}。", kind="fiction_or_discussion"),
    t("fic-documentary", "video comment",
      "看完这部讲{scam}园区的{纪录片|电影|调查节目}，才知道“高薪招聘”后面是什么，大家转给家里的年轻人看看",
      kind="fiction_or_discussion"),
    # long-form hard negatives
    t("news-long-surrogacy-trial", "news",
      "近日，{city}市人民法院审理了一起非法代孕案件。据了解，被告人以“{agency}”名义在网上发布“包成功”“包性别”"
      "“海外合法”等广告，先后招募代孕妈妈{5-15}名，向客户收取每单{30-45}万至{60-90}万元不等的费用，并通过伪造出生医学证明"
      "为婴儿办理户籍。法院以非法行医罪、伪造国家机关证件罪等数罪并罚，判处被告人有期徒刑{3-8}年。"
      "法官提醒，代孕在我国被明令禁止，不仅侵害代孕妇女的健康权益，也给孩子的身份认定带来隐患，"
      "切勿轻信网络上的“助孕”广告。据办案民警介绍，该团伙分工明确，有人专门负责在社交平台引流，"
      "有人负责招募和看管代孕妇女，还有人负责联系私立医院和伪造证件，涉案金额达{800-3000}万元。"
      "目前，涉案的{3-9}名婴儿已由民政部门妥善安置。", "{city}一非法代孕案宣判", kind="news"),
    t("atp-long-survivor-warning", "forum microblog",
      "{去年|前年}被人骗去{scam}的经历，写出来给大家提个醒。当时在网上看到招聘，说{salary}，包吃包住包机票，"
      "不要学历。我联系了对方，他让我先到{city}集合，然后坐车到边境，晚上有人带着走小路过去。到了之后护照手机"
      "全被收走，每天逼着在网上骗人，完不成业绩就挨打。后来家里报了警，通过大使馆和当地警方才把我救回来。"
      "在里面的{3-8}个月，每天工作十几个小时，同屋的人有想跑的，被抓回来打得很惨。"
      "大家记住：正规出国工作一定有工作签证和合同，不会让你偷渡，更不会扣你护照。看到“不要学历”“月入几万”"
      "“机票报销”的招聘，直接拉黑，也提醒身边的年轻人。", "我被骗去境外园区的经历",
      kind="anti_trafficking_publicity"),
    t("ivf-long-diary", "forum",
      "备孕{3-6}年，终于在{city}的生殖中心做了试管，记录一下全过程给姐妹们参考：第一次去先做检查，夫妻双方都要查，"
      "女方查AMH、激素六项、B超，男方查精液；定好方案后进周期，打了{8-12}天促排针，取卵{8-15}个，配成{3-6}个胚胎；"
      "第一次鲜胚移植没成功，休息两个月后冻胚移植，两道杠！前后花了{4-7}万，部分项目医保报销了。提醒大家："
      "一定去有资质的正规医院，网上那些“包成功”“包性别”“供卵代怀”的中介都是违法的，千万别碰。",
      "试管全过程记录（终于好孕）", kind="ivf"),
    t("pet-long-adoption-rules", "forum classifieds",
      "【{city}】救助的{pet}找领养\n{男孩子|女孩子}，{pet_age}，{已绝育|疫苗三针已打}，身体健康，性格亲人。\n"
      "领养要求：1. 年满22周岁，有稳定工作和住所；2. 家人同意，接受签领养协议；3. 接受定期回访，发照片视频即可；"
      "4. 不离不弃，不转送，不散养。\n本次领养不收任何费用，也不收押金，请勿私信问价。有意者{contact}，"
      "说明家庭情况和养宠经验。", "{city}救助{pet}找领养 签协议", kind="pet_adoption"),
)  # fmt: skip

OR = (
    t("food-review", "microblog comment", "{city}新开的{food}店排了{20-60}分钟，味道还行，就是有点咸😂"),
    t("weather", "microblog", "{city}今天{又下雨了|突然降温|热到{35-40}度}，{出门忘带伞，淋成落汤鸡🌧|穿少了冻得发抖|出门五分钟流汗两小时}"),
    t("commute", "tieba comment", "{weekday}早高峰地铁挤到怀疑人生，{city}什么时候能多开几条线"),
    t("game", "microblog tieba",
      "{王者|原神|金铲铲|英雄联盟|和平精英}{连跪|连输}{3-8}把，{今天不玩了，睡觉|气得想卸载|队友太坑了}😤"),
    t("exam", "tieba", "考研还剩{30-120}天，数学还有一半没复习，心态崩了，有没有一起打卡的"),
    t("phone-qa", "qa",
      "{手机|笔记本|平板}用了{2-4}年越来越卡，是{换电池|清内存|重装系统}还是直接换新的划算？",
      "{手机|电脑}卡顿怎么办"),
    t("recipe", "forum microblog",
      "分享一个家常{番茄炒蛋|红烧肉|可乐鸡翅|糖醋排骨|土豆炖牛肉}的做法：{火候别太大|先焯水再下锅|"
      "肉要先煸出油}，最后收汁的时候加一点糖提鲜，{家里小孩特别爱吃|老公连吃三碗饭|简单好学}。",
      "{家常菜做法分享|新手也能做的家常菜}"),
    t("fitness", "microblog", "坚持跑步第{10-100}天，体重掉了{2-8}斤，继续加油💪"),
    t("movie", "comment microblog", "刚看完{电影|《××》|新上的动画片}，{结尾那段哭得稀里哗啦|笑到停不下来|剧情有点拖}，{city}这场{几乎满座|就我们几个人}"),
    t("rent", "classifieds",
      "{city}城区一室一厅出租，{15-30}00一个月，押一付三，近地铁，拎包入住，{contact}", "{city}一室一厅出租"),
    t("car-qa", "qa", "新手开车{上高速|跑夜路|走山路}有什么要注意的？{下周|国庆|过年}要开回{city}老家，{大概{200-600}公里|第一次跑长途}。", "新手上高速"),
    t("homework", "tieba comment",
      "孩子{一|二|三|四|五}年级{数学|奥数|英语}题，我这个{大学生|研究生|当爹的}都不会做了，{现在的题太难了|"
      "辅导作业血压拉满|求支招}"),
    t("pet-daily", "microblog", "我家{pet}今天又{把花盆推下去了|咬坏了拖鞋|偷吃了桌上的鱼}，还一脸无辜地看着我😂"),
    t("travel", "forum",
      "{city}三日游攻略：第一天逛老街吃{food}，第二天爬山，第三天去博物馆，人均{1-3}千。", "{city}三日游攻略"),
    t("wedding", "microblog",
      "参加{大学室友|高中同桌|表姐|发小}的婚礼，{看她穿婚纱的样子|听到他们宣誓}突然好感动💍 "
      "{祝新婚快乐！|一定要幸福啊！|下一个就是我了吧}"),
    t("stock", "tieba", "今天又{绿了|跌了|跳水了}，{3-9}个点，{什么时候能回本啊|再也不追高了|割肉还是扛着}"),
    t("football", "comment",
      "{这球都能输|最后{5-10}分钟丢两个球|点球都罚不进}，{后防线是在梦游吗|教练该下课了|白熬夜了}"),
    t("hometown", "microblog", "回{city}老家，{奶奶|妈妈|外婆}做了一桌子菜，{还是家里的饭最香|吃撑了|胖了{2-5}斤}"),
    t("job-hunt", "forum qa",
      "{city}应届生找工作太难了，投了{50-200}份简历只有{1-5}个面试，大家都是怎么找的？", "应届生找工作"),
    t("online-shop", "ecommerce",
      "夏季纯棉短袖T恤，男女同款，{5-9}色可选，{39-89}元包邮，七天无理由退换", "纯棉短袖T恤 包邮"),
    t("repair", "classifieds",
      "家电维修，空调加氟、洗衣机不脱水、热水器不点火，{city}上门服务，{contact}", "{city}家电维修 上门"),
    t("kids-class", "qa",
      "孩子{5-8}岁，{学钢琴还是学游泳好|学围棋还是学画画|要不要报篮球班}？想给{他|她}报个兴趣班",
      "兴趣班怎么选"),
    t("garden", "microblog", "阳台种的{小番茄|草莓|辣椒}终于{红了|熟了}，摘了{5-20}个，{甜😋|太有成就感了}"),
    t("noise", "tieba",
      "楼上每天晚上{10-12}点以后{拖椅子|蹦跶|弹琴}，{说了两次也没用|找物业也不管}，怎么办"),
    t("coffee", "comment", "{city}{那家|新开的|车站旁边的}咖啡店的{拿铁|美式|生椰拿铁}真的绝，{推荐给大家|就是有点贵|周末人巨多}"),
    t("delivery", "microblog",
      "外卖又送错了，我点的{food}变成了{奶茶|炸鸡|沙拉}，骑手小哥一直道歉，{算了不投诉了|还送了瓶水}"),
    t("laptop-qa", "qa",
      "预算{4-8}千买笔记本，主要{写代码|打游戏|做设计|上网课}和{剪视频|看剧|办公}，选哪款？", "笔记本怎么选"),
    t("marathon", "forum", "报名了{city}马拉松{半程|全程|十公里}，{第一次参加|平时只跑{5-10}公里}，有什么{装备|补给|训练}建议吗？", "第一次跑马拉松"),
    t("book", "microblog",
      "{这周|这个月|假期里}读完了《{活着|平凡的世界|三体|围城|红楼梦|百年孤独}》，{后劲好大，推荐|哭了好几次|值得二刷}"),
    t("parenting", "tieba forum",
      "{宝宝|儿子|女儿}{1-3}岁{了|半}还不太会说话，就会叫{爸爸妈妈|奶奶|几个简单的词}，{需要去医院看看吗|是不是太晚了|要不要去做个评估}？",
      "孩子说话晚"),
    t("moving", "microblog", "搬家累瘫了，{10-30}个箱子，{书占了一半|衣服占了一半|全是猫的东西}📦"),
    t("concert", "comment", "演唱会门票{3-9}秒就没了，{抢票软件都没用|黄牛价翻了{2-5}倍|又是陪跑的一天}"),
    t("tea", "ecommerce", "{city}本地高山绿茶，今年新茶，{100-300}克装，{60-180}元，拍前可咨询", "高山绿茶 新茶"),
    t("cold", "qa",
      "{感冒|发烧退了以后}{3-7}天了一直{咳嗽|流鼻涕|嗓子疼}，要不要去医院{拍片|查血常规}？", "咳嗽不好"),
    t("school-news", "tieba", "{city}今年中考分数线出来了，比去年高了{5-20}分"),
    t("shopping-fail", "comment",
      "{网上|直播间}买的{衣服|鞋子|窗帘|沙发套|台灯}跟图片完全两样，{退货还要自己出运费|客服还说是色差|气死了|差评都不让写}"),
    t("festival", "microblog",
      "{中秋快乐|端午安康|元宵快乐|冬至快乐}！今年又没回{家|{city}}，和{室友|同事|对象}一起{做了顿饭|点了外卖|吃火锅}，{视频给家里拜了节|也挺热闹}"),
    t("pet-vet", "qa", "{pet}{不吃东西|拉肚子|一直打喷嚏|精神不好}{两|三}天了，要去宠物医院吗？{|{city}哪家靠谱？}", "宠物生病了"),
    t("video-comment", "video", "这个up主{做饭|的视频}好治愈，{food}做得跟店里一样{|，已三连|，明天就试试}"),
    t("chat-plan", "chat", "@所有人 {weekday}晚上{6-8}点聚餐，{city}老地方，能来的回个1"),
    t("long-travel", "forum",
      "刚从{city}玩回来，写个流水账：第一天到了先去吃{food}，排了半小时，值得；下午逛老城区，拍照很出片。"
      "第二天早起爬山，山顶看日出，人不算多，下山腿软。第三天去了博物馆和夜市，买了一堆小吃带回来给同事。"
      "住宿选在地铁站旁边，出行方便，{2-4}百一晚。总共花了{2-4}千，性价比很高，推荐{五一|国庆|周末}去。"
      "几个小提醒：1. 景区门票提前在公众号预约，现场排队很久；2. 老城区的小吃街晚上八点以后人最多，"
      "想拍照早点去；3. 本地人推荐的{food}店都在小巷子里，导航不太准，可以问路；4. 山上早晚温差大，带件外套。",
      "{city}三天两晚游记"),
    t("long-job-complaint", "forum tieba",
      "吐槽一下现在的公司：入职时说好{双休|朝九晚五|不加班}，结果每周六都要“自愿”加班；说好的年终奖，"
      "到年底说公司效益不好只发了{3-9}百；工位的空调坏了{2-5}个月也没人修。想辞职又怕找不到下家，"
      "{city}这边的工作机会也不多。大家都是怎么下定决心跳槽的？", "在{city}上班的打工人吐槽"),
)  # fmt: skip

GROUPS: tuple[Group, ...] = (
    Group("illegal_adoption", "ia", "illegal_adoption", 170, IA,
          titles=("诚心送养", "{sex}找好人家", "宝宝寻有缘人", "{city}求领宝宝"),
          tags=("#宝妈#", "#育儿#", "#同城#", "#新生儿#", "#{city}#")),
    Group("surrogacy", "sg", "surrogacy", 170, SG,
          titles=("助孕咨询", "好孕专线", "{city}试管助孕", "招募爱心妈妈"),
          tags=("#试管#", "#好孕#", "#备孕#", "#助孕#")),
    Group("bride_trafficking", "bt", "bride_trafficking", 170, BT,
          titles=("{country}姑娘 包成功", "涉外婚介", "大龄脱单", "包娶到家"),
          tags=("#相亲#", "#脱单#", "#{country}#", "#婚恋#")),
    Group("birth_documents", "bd", "birth_documents", 170, BD,
          titles=("办证", "上户口咨询", "出生证明办理", "证件加急"),
          tags=("#上户口#", "#办事#", "#便民#")),
    Group("labor_trafficking", "lt", "labor_trafficking", 170, LT,
          titles=("高薪招聘", "出国务工", "{scam}招聘", "急招 包吃住"),
          tags=("#高薪#", "#招聘#", "#出国打工#", "#找工作#")),
    Group("organ_trafficking", "ot", "organ_trafficking", 170, OT,
          titles=("高价收肾", "有偿捐献", "急用钱的看过来", "长期招供体"),
          tags=("#急用钱#", "#兼职#", "#网贷#")),
    Group("sexual_exploitation", "se", "sexual_exploitation", 170, SE,
          titles=("高薪招聘 日结", "招女公关", "{city}高端会所招聘", "兼职日结"),
          tags=("#兼职#", "#日结#", "#大学生兼职#")),
    Group("hard_negatives", "hn", None, 550, HN, tags=("#{city}#", "#生活#", "#提醒#")),
    Group("ordinary", "or", None, 450, OR, negative_kind="ordinary",
          tags=("#日常#", "#{city}#", "#生活记录#")),
)  # fmt: skip
