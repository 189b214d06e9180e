import { Body, Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { Public } from '@threatline/auth';
import type { Request } from 'express';
import { parseEnrollmentRequest } from './dtos/enrollment.request';
import { EnrollmentService } from './enrollment.service';
import { EnrollmentResponse } from './models/enrollment.response';

@Controller('api/v1/enrollments')
export class EnrollmentController {
  constructor(private readonly enrollment: EnrollmentService) {}

  /** No API key: the enrollment token in the body authenticates the firewall. */
  @Post()
  @Public()
  @HttpCode(HttpStatus.CREATED)
  enroll(@Body() body: unknown, @Req() request: Request & { id?: unknown }): Promise<EnrollmentResponse> {
    const requestId = typeof request.id === 'string' ? request.id : undefined;
    return this.enrollment.enroll(parseEnrollmentRequest(body), requestId);
  }
}
