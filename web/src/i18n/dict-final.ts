/** Strings of the commit proof ("Final") panel and the chain of proofs, both languages. */
export const finalEn = {
  finalTitle: 'Final',
  finalVerified:
    'Commit proof: {signed} of {size} validators signed (quorum {quorum}) — verified in your browser',
  finalPending:
    'Commit proof: not yet collected by this node. Validators sign a block once it is on their disk; this page asks again every few seconds.',
  finalCheckAgain: 'Check again',
  finalGenesis:
    'Block 0 is the genesis block, written from the genesis file every node starts from: it is final by construction, and no commit proof is signed for it.',
  finalFailed:
    'Commit proof does NOT verify: {reason}. Do not treat this block as final on this node’s word.',
  finalUnavailable: 'The commit proof could not be read: {detail}',
  finalSigners: 'Validators whose signatures verified',
  finalSigner: 'Validator {index}',
  finalKeysNote:
    'Checked against the committee’s public keys as this node lists them (see the overview); compare them with the genesis file you trust.',
  commitHeader: 'the block header does not re-hash to the block hash',
  commitMalformed: 'the proof’s bytes are malformed ({detail})',
  commitOtherBlock: 'the signed statement names another block than this one',
  commitOtherCommittee: 'it was signed for shard {shard}, epoch {epoch}, not by this committee',
  commitBelowQuorum: 'it holds {count} signatures, the committee needs {needed}',
  commitOrder: 'validator {signer} is listed twice or out of order',
  commitOutsider: 'validator {signer} is not a member of the committee',
  commitSignature: 'the signature of validator {signer} does not verify',
  commitOtherGenesis:
    'the block is of another chain or shard than your pinned genesis ({chain}, shard {shard})',
  finalKeysPinned:
    'Checked against the committee named by the genesis file you pinned in this browser, not against the keys this node lists.',
  finalNodeDisagrees:
    'This node lists a committee different from the one in your pinned genesis file: its proofs are checked against the genesis, not against what it lists.',
  genesisTitle: 'Trusted genesis',
  genesisNone:
    'No genesis file pinned: proofs are checked against the keys this node lists, which shows only that the node’s own committee signed. Load the genesis file you trust to check against its committee instead.',
  genesisPinned: 'Pinned: {name} (chain {chain}, shard {shard}, {count} validators), SHA-256 of the file:',
  genesisLoad: 'Load a genesis file',
  genesisForget: 'Forget the pinned genesis',
  genesisRefused: 'The genesis file was refused: {detail}',
  chainTitle: 'Chain of proofs, each checked in this browser',
  chainTx: 'Transaction',
  chainMerkle: 'Merkle proof',
  chainHeader: 'Block header',
  chainCommit: 'Commit proof',
  chainCommitNote: '{signed} of {size} validators signed this block (quorum {quorum})',
  chainCommitPending: 'not yet collected by this node',
  chainCommitFailed: 'does not verify: {reason}',
  chainChecking: 'checking…',
} as const;

export const finalZh: Record<keyof typeof finalEn, string> = {
  finalTitle: '最终性',
  finalVerified:
    '提交证明：{size} 个验证节点中有 {signed} 个已签名（法定人数 {quorum}）——已在您的浏览器中验证',
  finalPending: '提交证明：本节点尚未收集到。验证节点在区块写入磁盘后签名；本页面每隔几秒重新查询。',
  finalCheckAgain: '重新查询',
  finalGenesis: '区块 0 是创世区块，由每个节点启动时使用的创世文件生成：它天然是最终的，不为其签署提交证明。',
  finalFailed: '提交证明验证失败：{reason}。请勿仅凭本节点的说法把该区块视为最终确定。',
  finalUnavailable: '无法读取提交证明：{detail}',
  finalSigners: '签名验证通过的验证节点',
  finalSigner: '验证节点 {index}',
  finalKeysNote: '验证所用的是本节点列出的委员会公钥（见概览页）；请与您信任的创世文件核对。',
  commitHeader: '区块头重新计算的哈希与区块哈希不符',
  commitMalformed: '证明字节格式错误（{detail}）',
  commitOtherBlock: '签名的声明指向另一个区块，而不是本区块',
  commitOtherCommittee: '它是为分片 {shard}、纪元 {epoch} 签署的，并非本委员会',
  commitBelowQuorum: '只有 {count} 个签名，委员会需要 {needed} 个',
  commitOrder: '验证节点 {signer} 重复出现或顺序错误',
  commitOutsider: '验证节点 {signer} 不是委员会成员',
  commitSignature: '验证节点 {signer} 的签名无法验证',
  commitOtherGenesis: '该区块属于与您固定的创世文件不同的链或分片（{chain}，分片 {shard}）',
  finalKeysPinned: '已依据您在本浏览器中固定的创世文件所列的委员会校验，而非依据本节点列出的公钥。',
  finalNodeDisagrees: '本节点列出的委员会与您固定的创世文件中的不同：其证明按创世文件校验，而非按其所列。',
  genesisTitle: '可信创世文件',
  genesisNone:
    '尚未固定创世文件：证明按本节点列出的公钥校验，这只能说明节点自己的委员会签了名。载入您信任的创世文件，即可改按其委员会校验。',
  genesisPinned: '已固定：{name}（链 {chain}，分片 {shard}，{count} 个验证节点），文件的 SHA-256：',
  genesisLoad: '载入创世文件',
  genesisForget: '取消固定创世文件',
  genesisRefused: '创世文件被拒绝：{detail}',
  chainTitle: '证明链（每一环均在本浏览器中验证）',
  chainTx: '交易',
  chainMerkle: '默克尔证明',
  chainHeader: '区块头',
  chainCommit: '提交证明',
  chainCommitNote: '{size} 个验证节点中有 {signed} 个签署了该区块（法定人数 {quorum}）',
  chainCommitPending: '本节点尚未收集到',
  chainCommitFailed: '验证失败：{reason}',
  chainChecking: '验证中…',
};
