import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MarketError } from '../../market/errors.js';
import { clearPlainOrders, parseOrderFile } from '../../market/order-book.js';
import { action, printJson } from '../output.js';

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MarketError('BAD_INPUT', `cannot read ${path}: ${(error as Error).message}`, { path });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MarketError('BAD_INPUT', `${path} is not valid JSON: ${(error as Error).message}`, { path });
  }
}

export function register(program: Command): void {
  const market = program.command('market').description('power-market smart contracts: clearing, simulation');

  market
    .command('clear')
    .description('clear one interval of orders with the uniform-price double auction')
    .argument('<orders>', 'JSON file {"orders":[{"id","side":"buy"|"sell","price","quantity"}]}')
    .option('--pay-as-bid', 'price each pair at the midpoint of its own bid and offer')
    .option('--json', 'print JSON (the only output format)')
    .action(
      action((path: string, options: { payAsBid?: boolean }) => {
        const orders = parseOrderFile(readJsonFile(path));
        printJson(clearPlainOrders(orders, options.payAsBid ? 'payAsBid' : 'uniform'));
        return 0;
      }),
    );
}

export function registerBench(_bench: Command): void {}
