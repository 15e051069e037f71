/**
 * The words of a statement PDF in both portal languages. They ship with the PDF writer's lazy
 * chunk, not with the first load. Line kinds and codes stay as the chain and the CSV name them;
 * the explanations of the line kinds are the CSV's (`LINE_REASONS`) in English, translated here.
 */
import { LINE_REASONS } from './statement-csv.js';

export interface StatementPdfText {
  readonly title: string;
  readonly member: string;
  readonly cycle: string;
  readonly contractedWh: string;
  readonly meteredWh: string;
  readonly block: string;
  /** `{height}`, `{hash}`. */
  readonly blockAt: string;
  readonly blockUnknown: string;
  readonly asOf: string;
  readonly asOfUnknown: string;
  readonly linesTitle: string;
  readonly kind: string;
  readonly explanation: string;
  readonly energyWh: string;
  readonly amount: string;
  readonly noLines: string;
  readonly liabilitiesTitle: string;
  readonly contract: string;
  readonly interval: string;
  readonly code: string;
  readonly counterparty: string;
  readonly reason: string;
  /** Between a label and its value in running text. */
  readonly colon: string;
  readonly totalsTitle: string;
  readonly linesTotal: string;
  readonly liabilitiesTotal: string;
  readonly net: string;
  readonly netNote: string;
  readonly amountsNote: string;
  /** `{page}`, `{pages}`. */
  readonly page: string;
  readonly lineReasons: Readonly<Record<string, string>>;
}

const en: StatementPdfText = {
  title: 'Settlement statement',
  member: 'Member',
  cycle: 'Trading cycle',
  contractedWh: 'Contracted energy (Wh)',
  meteredWh: 'Metered energy (Wh)',
  block: 'Settled in block',
  blockAt: 'height {height}, hash {hash}',
  blockUnknown: 'not available',
  asOf: 'As of (block time, UTC)',
  asOfUnknown: 'not available',
  linesTitle: 'Statement lines',
  kind: 'Kind',
  explanation: 'Explanation',
  energyWh: 'Energy (Wh)',
  amount: 'Amount',
  noLines: 'No lines.',
  liabilitiesTitle: 'Breach liability cases',
  contract: 'Contract',
  interval: 'Interval',
  code: 'Code',
  counterparty: 'Counterparty',
  reason: 'Reason',
  colon: ': ',
  totalsTitle: 'Totals',
  linesTotal: 'Sum of the statement lines',
  liabilitiesTotal: 'Sum of the breach liability cases',
  net: 'Net amount',
  netNote: 'credit minus debit; positive: the member receives',
  amountsNote: 'Amounts are money units as whole numbers, as on the chain and in the CSV.',
  page: 'Page {page} of {pages}',
  lineReasons: LINE_REASONS,
};

const zh: StatementPdfText = {
  title: '结算单',
  member: '成员',
  cycle: '交易周期',
  contractedWh: '合同电量（Wh）',
  meteredWh: '计量电量（Wh）',
  block: '结算区块',
  blockAt: '高度 {height}，哈希 {hash}',
  blockUnknown: '无法获取',
  asOf: '结算时间（区块时间，UTC）',
  asOfUnknown: '无法获取',
  linesTitle: '结算明细',
  kind: '类型',
  explanation: '说明',
  energyWh: '电量（Wh）',
  amount: '金额',
  noLines: '无明细。',
  liabilitiesTitle: '违约责任明细',
  contract: '合同',
  interval: '时段',
  code: '代码',
  counterparty: '对方',
  reason: '原因',
  colon: '：',
  totalsTitle: '合计',
  linesTotal: '结算明细合计',
  liabilitiesTotal: '违约责任合计',
  net: '净额',
  netNote: '收入减支出；正数表示成员收款',
  amountsNote: '金额为整数货币单位，与链上记录及 CSV 一致。',
  page: '第 {page} 页，共 {pages} 页',
  lineReasons: {
    energySale: '按本周期合同价格售出的电量',
    energyPurchase: '按本周期合同价格购入的电量',
    crossingFee: '跨电压等级或跨节点合同的过网费（输配电费）',
    imbalance: '计量电量与合同电量的偏差（在允许偏差范围内）',
    penalty: '超出允许偏差范围的偏差，按考核价格计算',
    subsidy: '电网企业购电补贴',
    breachLiability: '约束性合同的违约责任（逐项列于下方）',
    gridSupply: '失效合同的电量，按综合价格向电网企业购买',
  },
};

export const statementPdfText = { en, 'zh-CN': zh } as const;
