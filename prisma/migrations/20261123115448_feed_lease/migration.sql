-- CreateTable
CREATE TABLE "feed_lease" (
    "feed_id" UUID NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "feed_lease_pkey" PRIMARY KEY ("feed_id")
);

-- AddForeignKey
ALTER TABLE "feed_lease" ADD CONSTRAINT "feed_lease_feed_id_fkey" FOREIGN KEY ("feed_id") REFERENCES "feed"("id") ON DELETE CASCADE ON UPDATE CASCADE;
