import {
  BadRequestException,
  HttpException,
  HttpStatus,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ErrorKind } from '@threatline/errors';
import { describe, expect, it } from 'vitest';
import { describeHttpException, kindOfStatus } from './http-exception-body';

describe('kindOfStatus', () => {
  it('maps the statuses of contract section 4 to their kinds', () => {
    expect(kindOfStatus(400)).toBe(ErrorKind.BAD_INPUT);
    expect(kindOfStatus(401)).toBe(ErrorKind.UNAUTHENTICATED);
    expect(kindOfStatus(403)).toBe(ErrorKind.FORBIDDEN);
    expect(kindOfStatus(404)).toBe(ErrorKind.NOT_FOUND);
    expect(kindOfStatus(409)).toBe(ErrorKind.CONFLICT);
    expect(kindOfStatus(413)).toBe(ErrorKind.PAYLOAD_TOO_LARGE);
    expect(kindOfStatus(415)).toBe(ErrorKind.BAD_INPUT);
    expect(kindOfStatus(422)).toBe(ErrorKind.UNPROCESSABLE);
    expect(kindOfStatus(429)).toBe(ErrorKind.RATE_LIMITED);
    expect(kindOfStatus(502)).toBe(ErrorKind.INTERNAL);
    expect(kindOfStatus(503)).toBe(ErrorKind.UNAVAILABLE);
  });
});

describe('describeHttpException', () => {
  it('names the status as the code and keeps the message', () => {
    expect(describeHttpException(new NotFoundException('Cannot GET /x'))).toEqual({
      status: 404,
      kind: ErrorKind.NOT_FOUND,
      body: { error: { code: 'NOT_FOUND', message: 'Cannot GET /x' } },
    });
    expect(describeHttpException(new PayloadTooLargeException()).body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(describeHttpException(new ServiceUnavailableException('later')).status).toBe(503);
    expect(describeHttpException(new HttpException('teapot', 418)).body.error).toEqual({
      code: 'I_AM_A_TEAPOT',
      message: 'teapot',
    });
  });

  it('says MALFORMED_JSON when the body parser could not read the JSON', () => {
    const parse = new SyntaxError('Unexpected token } in JSON at position 9');
    const described = describeHttpException(new BadRequestException(parse.message, { cause: parse }));
    expect(described).toEqual({
      status: 400,
      kind: ErrorKind.BAD_INPUT,
      body: {
        error: {
          code: 'MALFORMED_JSON',
          message: 'The request body is not valid JSON.',
          details: { reason: 'Unexpected token } in JSON at position 9' },
        },
      },
    });
  });

  it('lists the problems of a validation pipe in details', () => {
    const described = describeHttpException(
      new BadRequestException(['serial is required', 'token is too short']),
    );
    expect(described.body.error).toEqual({
      code: 'BAD_REQUEST',
      message: 'serial is required; token is too short',
      details: { problems: ['serial is required', 'token is too short'] },
    });
  });

  it('hides the message of a server-side HttpException behind INTERNAL', () => {
    const described = describeHttpException(
      new HttpException('pool exhausted at db-3', HttpStatus.BAD_GATEWAY),
    );
    expect(described).toEqual({
      status: 500,
      kind: ErrorKind.INTERNAL,
      body: { error: { code: 'INTERNAL', message: 'An internal error occurred; it has been logged.' } },
    });
  });
});
