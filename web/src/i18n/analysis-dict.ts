/**
 * Strings of the market analysis pages (supply and demand curves, cycle analysis), both
 * languages. They ship with those pages' lazy chunk; the locale is the portal's.
 */
export const analysisEn = {
  curvesTitle: 'Supply and demand',
  curvesIntro:
    'The stepwise supply and demand curves of one interval, drawn from the quotations revealed after the gate, with the point where they cross: the clearing price and volume.',
  analysisTitle: 'Cycle analysis',
  analysisIntro:
    'Prices, volumes, crossing fees, deviations and congestion adjustments of a cycle, per interval. Each table downloads as CSV with the figures shown.',
  toAnalysis: 'Cycle analysis of this cycle',
  toCurves: 'Supply and demand curves of this cycle',
  interval: 'Interval',
  round: 'Round',
  privacyPublic:
    'Revealed quotations are private: only their owner and approved regulators may read them (the API’s privacy rules). Without a regulator’s session this page shows only what the market publishes for every interval: the clearing price and the volume.',
  privacyRegulator:
    'Signed in as a regulator: the curves below are drawn from every revealed quotation of round {round}.',
  signInHint: 'Regulators sign in on the Keys page.',
  published: 'Published by the market',
  noPublished: 'The market has published no result for this interval yet.',
  demand: 'Demand (bids)',
  supply: 'Supply (offers)',
  clearing: 'Clearing point',
  priceAxis: 'Price (per kWh)',
  energyAxis: 'Cumulative energy (Wh)',
  chartTitle: 'Supply and demand, interval {interval}',
  chartDesc:
    'Demand falls and supply rises in steps; they cross at {price} per kWh and {volume} Wh. The table below holds every step.',
  chartNoCross: 'Demand and supply do not cross: no bid reaches an offer.',
  bookEmpty: 'No revealed direct-trading quotation for this interval.',
  bookNote:
    'Drawn from direct-trading quotations of approved members. The market adds crossing fees between locations when it matches, so its price can differ from this crossing; the published figure is the market’s.',
  quotesRead: '{count} quotations in round {round}; {revealed} revealed.',
  stepsCaption: 'Steps of the curves, interval {interval}',
  side: 'Curve',
  stepPrice: 'Price per kWh',
  fromWh: 'From (Wh)',
  toWh: 'To (Wh)',
  clearingPrice: 'Clearing price per kWh',
  volumeWh: 'Volume (Wh)',
  participants: 'Participants',
  checkOutcome: 'Security check',
  noZones: 'The market has no zones yet: every figure is for the whole market, one row per interval.',
  publicTable: 'Prices and volumes',
  publicNote: 'Published for every interval; the latest round that cleared it.',
  privateTable: 'Contracts, crossing fees, deviations and congestion',
  privateNote:
    'From the deals of each interval and the parties’ meter readings. Crossing fees: what the contracted energy carries, rounded down per deal as settlement does. Deviation: metered minus contracted energy of the parties that have a reading.',
  privateNeedsRegulator:
    'Deals and meter readings are private to their parties and to regulators (the API’s privacy rules); sign in as a regulator to see this table.',
  deals: 'Deals',
  matchedWh: 'Matched (Wh)',
  contractedWh: 'Contracted (Wh)',
  congestionCutWh: 'Congestion cut (Wh)',
  crossingFees: 'Crossing fees',
  meteredSupplyWh: 'Metered supply (Wh)',
  supplyDeviationWh: 'Supply deviation (Wh)',
  meteredDemandWh: 'Metered demand (Wh)',
  demandDeviationWh: 'Demand deviation (Wh)',
  downloadCsv: 'Download CSV: {table}',
};

export type AnalysisKey = keyof typeof analysisEn;

const analysisZh: Record<AnalysisKey, string> = {
  curvesTitle: '供需曲线',
  curvesIntro:
    '某一时段的阶梯形供给与需求曲线，依据关闸后揭示的报价绘制，并标出两条曲线的交点：出清价格与出清电量。',
  analysisTitle: '周期分析',
  analysisIntro:
    '按时段列出周期的价格、电量、过网费、偏差（计量与合同）和阻塞调整。每张表均可下载为 CSV，数字与页面一致。',
  toAnalysis: '本周期的周期分析',
  toCurves: '本周期的供需曲线',
  interval: '时段',
  round: '轮次',
  privacyPublic:
    '揭示后的报价属于隐私数据：仅报价者本人和已获批的监管机构可以读取（API 的隐私规则）。未以监管机构身份登录时，本页仅显示市场为每个时段公开发布的内容：出清价格和出清电量。',
  privacyRegulator: '已以监管机构身份登录：下方曲线依据第 {round} 轮全部已揭示的报价绘制。',
  signInHint: '监管机构请在“密钥”页面登录。',
  published: '市场发布结果',
  noPublished: '市场尚未发布该时段的结果。',
  demand: '需求（买方报价）',
  supply: '供给（卖方报价）',
  clearing: '出清点',
  priceAxis: '价格（每千瓦时）',
  energyAxis: '累计电量（Wh）',
  chartTitle: '时段 {interval} 的供需曲线',
  chartDesc: '需求曲线逐级下降、供给曲线逐级上升，二者相交于每千瓦时 {price}、{volume} Wh。下表列出每一级。',
  chartNoCross: '供需曲线不相交：没有买方报价达到卖方报价。',
  bookEmpty: '该时段没有已揭示的直接交易报价。',
  bookNote:
    '依据已获批成员的直接交易报价绘制。市场撮合时会计入不同位置之间的过网费，因此其价格可能与此交点不同；以市场发布的数字为准。',
  quotesRead: '第 {round} 轮共 {count} 份报价，其中 {revealed} 份已揭示。',
  stepsCaption: '时段 {interval} 曲线的各级',
  side: '曲线',
  stepPrice: '每千瓦时价格',
  fromWh: '起（Wh）',
  toWh: '止（Wh）',
  clearingPrice: '每千瓦时出清价格',
  volumeWh: '出清电量（Wh）',
  participants: '参与者',
  checkOutcome: '安全校核',
  noZones: '市场尚未划分区域：所有数字均为全市场数据，每个时段一行。',
  publicTable: '价格与电量',
  publicNote: '每个时段公开发布的结果；取出清该时段的最新一轮。',
  privateTable: '合同、过网费、偏差与阻塞',
  privateNote:
    '依据每个时段的成交记录和各方的计量读数。过网费：合同电量应付的过网费，按结算规则逐笔向下取整。偏差：有计量读数的各方的计量电量减去合同电量。',
  privateNeedsRegulator:
    '成交记录和计量读数仅对其当事方和监管机构可见（API 的隐私规则）；请以监管机构身份登录后查看此表。',
  deals: '成交笔数',
  matchedWh: '撮合电量（Wh）',
  contractedWh: '合同电量（Wh）',
  congestionCutWh: '阻塞削减（Wh）',
  crossingFees: '过网费',
  meteredSupplyWh: '计量供给（Wh）',
  supplyDeviationWh: '供给偏差（Wh）',
  meteredDemandWh: '计量需求（Wh）',
  demandDeviationWh: '需求偏差（Wh）',
  downloadCsv: '下载 CSV：{table}',
};

export const analysisDictionaries = {
  en: analysisEn as Record<AnalysisKey, string>,
  'zh-CN': analysisZh,
} as const;
