/**
 * Who a connection acts for and whether the agent may change the kernel, as the hello reports
 * them (agent/PROTOCOL.md "Hello"); and the app-code translation of errors below the API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { AppError, appCodeOf } from '../../../agent/src/rpc/errors.js';
import { clientIdentityFromEnv, isPrivileged } from '../../../agent/src/rpc/identity.js';

describe('clientIdentityFromEnv', () => {
  it('prefers SUDO_USER, then LOGNAME, then USER; takes the client address from SSH_CONNECTION', () => {
    const ssh = { SSH_CONNECTION: '198.18.0.1 50000 198.18.0.2 22' };
    expect(clientIdentityFromEnv({ ...ssh, SUDO_USER: 'alice', LOGNAME: 'root', USER: 'root' })).toEqual({ user: 'alice', from: '198.18.0.1' });
    expect(clientIdentityFromEnv({ LOGNAME: 'bob', USER: 'x' })).toEqual({ user: 'bob', from: undefined });
    expect(clientIdentityFromEnv({ USER: 'carol' }).user).toBe('carol');
    expect(clientIdentityFromEnv({}).user).toBe(os.userInfo().username);
  });
});

describe('isPrivileged', () => {
  const status = (capEff: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wgp-caps-')), 'status');
    fs.writeFileSync(file, `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`);
    return file;
  };

  it('is true for uid 0 and for CAP_NET_ADMIN (bit 12), false otherwise', () => {
    expect(isPrivileged(0, '/nonexistent')).toBe(true);
    const withNetAdmin = status('0000000000001000');
    const without = status('000001ffffffefff'); // every capability but CAP_NET_ADMIN
    expect(isPrivileged(1000, withNetAdmin)).toBe(true);
    expect(isPrivileged(1000, without)).toBe(false);
    expect(isPrivileged(1000, '/nonexistent')).toBe(false);
    for (const f of [withNetAdmin, without]) fs.rmSync(path.dirname(f), { recursive: true });
  });
});

describe('appCodeOf', () => {
  it('finds an appCode anywhere in the cause chain, else maps the tRPC code, else INTERNAL', () => {
    const deep = new Error('db', { cause: new Error('mid', { cause: new AppError('CONFLICT', 'exists') }) });
    expect(appCodeOf(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: deep }))).toBe('CONFLICT');
    const ducked = Object.assign(new Error('no such peer'), { appCode: 'NOT_FOUND' });
    expect(appCodeOf(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: ducked }))).toBe('NOT_FOUND');
    const bogus = Object.assign(new Error('x'), { appCode: 'NOT_A_CODE' });
    expect(appCodeOf(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: bogus }))).toBe('INTERNAL');
    expect(appCodeOf(new TRPCError({ code: 'TIMEOUT' }))).toBe('TIMEOUT');
    expect(appCodeOf(new TRPCError({ code: 'CLIENT_CLOSED_REQUEST' }))).toBe('INTERNAL');
  });
});
