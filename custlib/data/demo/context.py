"""The demo company's business context: profile, purpose, competitors, SWOT, TOWS, canvas.

Written to ``context.yaml`` next to the demo data; each text has a Chinese twin (``_zh``),
and ``labels`` names the data's own values (channels, categories, survey needs, customer
attributes) in Chinese, so that the Chinese report has no English word left.
"""

from __future__ import annotations

from typing import Any

__all__ = ["business_context"]


def business_context() -> dict[str, Any]:
    """The business context of *Hearth & Home*, as written to ``context.yaml``.

    Returns
    -------
    dict
        ``company``, ``analysis``, ``competitors``, ``swot``, ``tows``, ``canvas``,
        ``labels``.
    """
    return {
        "company": _company(),
        "analysis": _analysis(),
        "competitors": _competitors(),
        "swot": _swot(),
        "tows": _tows(),
        "canvas": _canvas(),
        "labels": {"zh": _labels_zh()},
    }


def _labels_zh() -> dict[str, str]:
    """The Chinese names of every text value of the demo's data (its generator's words)."""
    return {
        # categories and channels of the transactions
        "Decor": "家居装饰", "Garden": "园艺", "Kitchen": "厨具", "Office": "办公用品",
        "Storage": "收纳", "Tableware": "餐具", "Textiles": "家纺",
        "web": "网店", "store": "门店", "app": "App", "phone": "电话", "sales team": "销售团队",
        # survey needs
        "delivery speed": "配送速度", "price": "价格", "product range": "商品种类",
        "quality": "质量", "service": "服务",
        # countries
        "China": "中国", "France": "法国", "Germany": "德国", "Ireland": "爱尔兰",
        "Netherlands": "荷兰", "Spain": "西班牙", "United Kingdom": "英国",
        "United States": "美国",
        # customers: type, organisation, person
        "individual": "个人", "organisation": "机构", "SME": "中小企业", "education": "教育",
        "government": "政府", "large enterprise": "大型企业", "non-profit": "非营利组织",
        "charity": "慈善", "healthcare": "医疗", "hospitality": "酒店餐饮",
        "manufacturing": "制造业", "professional services": "专业服务",
        "public administration": "公共管理", "real estate": "房地产", "retail": "零售",
        "technology": "科技", "foreign": "外资", "private": "私营", "state-owned": "国有",
        "female": "女", "male": "男", "manager": "经理", "office worker": "办公室职员",
        "professional": "专业人士", "retired": "退休", "self-employed": "自雇",
        "service worker": "服务业人员", "student": "学生", "teacher": "教师",
        "high": "高收入", "low": "低收入", "lower-middle": "中低收入", "upper-middle": "中高收入",
        # regions and cities
        "Berlin": "柏林", "Catalonia": "加泰罗尼亚", "Ile-de-France": "法兰西岛",
        "Leinster": "伦斯特", "London": "伦敦", "Midlands": "英格兰中部", "New York": "纽约",
        "North East": "英格兰东北部", "North Holland": "北荷兰", "North West": "英格兰西北部",
        "Scotland": "苏格兰", "Shanghai": "上海", "South East": "英格兰东南部",
        "South West": "英格兰西南部", "Wales": "威尔士", "Amsterdam": "阿姆斯特丹",
        "Barcelona": "巴塞罗那", "Birmingham": "伯明翰", "Brighton": "布莱顿",
        "Bristol": "布里斯托尔", "Cardiff": "加的夫", "Dublin": "都柏林", "Edinburgh": "爱丁堡",
        "Exeter": "埃克塞特", "Glasgow": "格拉斯哥", "Leeds": "利兹", "Leicester": "莱斯特",
        "Liverpool": "利物浦", "Manchester": "曼彻斯特", "Newcastle": "纽卡斯尔",
        "Nottingham": "诺丁汉", "Oxford": "牛津", "Paris": "巴黎", "Reading": "雷丁",
        "Swansea": "斯旺西", "York": "约克",
        # acquisition channels
        "email": "电子邮件", "referral": "推荐", "search": "搜索引擎",
        "social media": "社交媒体", "trade fair": "展会",
    }


def _company() -> dict[str, Any]:
    return {
        "name": "Hearth & Home Ltd", "name_zh": "暖家生活有限公司",
        "industry": "home and lifestyle retail", "industry_zh": "家居生活零售",
        "description": "A mid-sized retailer of kitchenware, tableware, textiles, decor, "
                       "storage, garden and office goods, selling online, in 14 stores "
                       "and through a business sales team.",
        "description_zh": "一家中型家居零售商,经营厨具、餐具、家纺、家居装饰、收纳、园艺和"
                          "办公用品,通过网店、14 家门店和企业销售团队销售。",
        "currency": "GBP", "founded": 2012,
        "markets": ["United Kingdom", "Ireland", "EU", "United States", "China"],
    }


def _analysis() -> dict[str, Any]:
    return {
        "purpose": "Understand who our customers are, which groups are worth most, who "
                   "is drifting away, and where to focus retention and growth budgets "
                   "for the coming year.",
        "purpose_zh": "了解我们的客户是谁、哪些群体价值最高、哪些客户正在流失,以及来年的"
                      "保留与增长预算应投向何处。",
        "background": "Revenue grew in 2022-2023 but repeat purchasing slowed in 2024 "
                      "while acquisition costs rose; the board asked for a customer "
                      "analysis before setting next year's marketing plan.",
        "background_zh": "2022-2023 年收入增长,但 2024 年复购放缓、获客成本上升;董事会要求"
                         "在制定明年营销计划前先做一次客户分析。",
        "target_customers": "Urban households aged 25-55 furnishing their homes, and "
                            "organisations (offices, schools, hospitality) equipping "
                            "their premises.",
        "target_customers_zh": "25-55 岁、正在布置住所的城市家庭,以及为场所采购用品的机构"
                               "(办公室、学校、酒店餐饮)。",
    }


def _competitors() -> list[dict[str, Any]]:
    return [
        {"name": "Hearth & Home", "name_zh": "暖家生活", "us": True, "market_share": 0.09,
         "price_level": 3,
         "features": {"quality": 4, "range": 4, "delivery": 3, "service": 4,
                      "online_experience": 3},
         "positioning": {"price": 3.0, "quality": 3.9}},
        {"name": "MegaHome", "us": False, "market_share": 0.24, "price_level": 2,
         "features": {"quality": 3, "range": 5, "delivery": 4, "service": 2,
                      "online_experience": 4},
         "positioning": {"price": 2.0, "quality": 2.8}},
        {"name": "Nordic Living", "us": False, "market_share": 0.16, "price_level": 3,
         "features": {"quality": 4, "range": 4, "delivery": 3, "service": 3,
                      "online_experience": 4},
         "positioning": {"price": 2.8, "quality": 3.6}},
        {"name": "Maison Premium", "us": False, "market_share": 0.07, "price_level": 5,
         "features": {"quality": 5, "range": 2, "delivery": 3, "service": 5,
                      "online_experience": 3},
         "positioning": {"price": 4.7, "quality": 4.8}},
        {"name": "ShopAll Marketplace", "us": False, "market_share": 0.21, "price_level": 1,
         "features": {"quality": 2, "range": 5, "delivery": 5, "service": 2,
                      "online_experience": 5},
         "positioning": {"price": 1.4, "quality": 2.2}},
    ]


def _swot() -> dict[str, Any]:
    return {
        "strengths": ["Curated own-brand range with good quality for the price",
                      "Stores and a business sales team alongside the web shop",
                      "Loyal core of repeat customers who recommend us"],
        "weaknesses": ["Online experience behind the large platforms",
                       "Slow delivery outside the big cities",
                       "Little use of customer data in marketing so far"],
        "opportunities": ["Growing demand from small offices and hybrid workers",
                          "Sustainable and locally made products",
                          "Cross-selling across categories to existing customers"],
        "threats": ["Marketplaces competing on price and next-day delivery",
                    "Squeezed household budgets",
                    "Rising acquisition costs in paid search and social media"],
        "strengths_zh": ["自有品牌精选商品,质价比高", "网店之外还有门店和企业销售团队",
                         "一批愿意推荐我们的忠实复购客户"],
        "weaknesses_zh": ["线上体验落后于大型平台", "大城市以外配送较慢",
                          "营销中对客户数据的利用还很少"],
        "opportunities_zh": ["小型办公室和混合办公人群的需求增长", "可持续和本地制造的产品",
                             "向现有客户跨品类交叉销售"],
        "threats_zh": ["电商平台以低价和次日达竞争", "家庭预算收紧",
                       "付费搜索和社交媒体的获客成本上升"],
    }


def _tows() -> dict[str, Any]:
    return {
        "so": ["Use the loyal core for referral campaigns around the curated range"],
        "wo": ["Invest in the app and delivery partners to serve hybrid workers"],
        "st": ["Compete on quality and service, not on price, against marketplaces"],
        "wt": ["Shift budget from paid acquisition to retention of valuable customers"],
        "so_zh": ["依托忠实客户,围绕精选商品开展推荐计划"],
        "wo_zh": ["投资 App 和配送合作伙伴,服务混合办公人群"],
        "st_zh": ["以质量和服务而非价格与电商平台竞争"],
        "wt_zh": ["把预算从付费获客转向保留高价值客户"],
    }


def _canvas() -> dict[str, Any]:
    return {
        "key_partners": ["Own-brand manufacturers", "Delivery partners",
                         "Office-fit-out firms"],
        "key_activities": ["Range curation", "Store and online retail",
                           "Business account management"],
        "key_resources": ["Own-brand designs", "14 stores", "Customer data"],
        "value_propositions": ["Quality home goods at a fair price",
                               "Advice in store and by phone",
                               "One supplier for offices and schools"],
        "customer_relationships": ["Loyalty club", "Account managers for organisations",
                                   "After-sales service"],
        "channels": ["Web shop", "App", "Stores", "Phone and sales team"],
        "customer_segments": ["Urban households 25-55", "SMEs and offices",
                              "Schools and public bodies"],
        "cost_structure": ["Cost of goods", "Stores and staff", "Marketing",
                           "Delivery"],
        "revenue_streams": ["Product sales", "Delivery charges", "Business contracts"],
        "key_metrics": ["Repeat-purchase rate", "Customer lifetime value",
                        "Share of customers at risk"],
        "key_partners_zh": ["自有品牌制造商", "配送合作伙伴", "办公装修公司"],
        "key_activities_zh": ["商品精选", "门店与线上零售", "企业客户管理"],
        "key_resources_zh": ["自有品牌设计", "14 家门店", "客户数据"],
        "value_propositions_zh": ["价格公道的优质家居用品", "门店和电话咨询建议",
                                  "办公室和学校的一站式供应商"],
        "customer_relationships_zh": ["会员俱乐部", "机构客户经理", "售后服务"],
        "channels_zh": ["网店", "App", "门店", "电话与销售团队"],
        "customer_segments_zh": ["25-55 岁城市家庭", "中小企业与办公室", "学校与公共机构"],
        "cost_structure_zh": ["商品成本", "门店与员工", "营销", "配送"],
        "revenue_streams_zh": ["商品销售", "配送费", "企业合同"],
        "key_metrics_zh": ["复购率", "客户终身价值", "风险客户占比"],
    }
