/** The answer of POST /api/v1/enrollments (contract section 4). */
export interface EnrollmentResponse {
  firewallId: string;
  /** The firewall's secret: shown this once, stored only hashed. */
  credential: string;
  /** Where the agent opens its stream. */
  streamUrl: string;
}
