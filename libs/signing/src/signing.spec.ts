import { Webhook } from 'standardwebhooks';
import { generateSecret, secretKey, sign, webhookHeaders } from './signing';

describe('signing', () => {
  const body = JSON.stringify({ type: 'invoice.paid', data: { id: 42, note: 'ünïcødé' } });
  const now = () => Math.floor(Date.now() / 1000);

  it('generates whsec_ secrets holding 24 random bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(secretKey(secret)).toHaveLength(24);
    expect(generateSecret()).not.toEqual(secret);
  });

  it('matches a known Standard Webhooks test vector', () => {
    // Vector from the Standard Webhooks specification's reference tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('produces headers that the standardwebhooks library verifies', () => {
    const secret = generateSecret();
    const headers = webhookHeaders([secret], 'msg_abc', now(), body);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs with every active secret, and each one verifies alone', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret(32)];
    const headers = webhookHeaders([newSecret, oldSecret], 'msg_rot', now(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
    }
  });

  it('fails verification when the body, id or secret differ', () => {
    const secret = generateSecret();
    const headers = { ...webhookHeaders([secret], 'msg_abc', now(), body) };
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });
});
