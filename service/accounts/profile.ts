// The rules of a profile's fields, one definition for PATCH /v1/me and the user import.
import { z } from 'zod'

export const genders = ['male', 'female', 'unknown'] as const

export const profileFields = {
  nickname: z.string().trim().min(1).max(64).nullable(),
  avatar: z
    .string()
    .max(1024)
    .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL')
    .nullable(),
  gender: z.enum(genders),
}
