// File: auth/policy_table_data.cc
//
// THE access policy table (format: auth/policy_table.h). Every change here changes cells of
// the decision matrix (testdata/policy-matrix.txt); regenerate it and review the diff.
//
// Principles (issue 4 and shared/domain.md "Safety and governance"):
//   * least privilege per professional role; write access where the role records that kind
//     of entry in practice, read access where it needs the context to do so safely;
//   * only prescribers create or change prescriptions (MedicationRequest); pharmacists and
//     pharmacy technicians dispense (MedicationDispense); nurses administer
//     (MedicationAdministration);
//   * delete (a logical delete: every version is kept, domain.md "Retention") only for the
//     clinical lead; a clinician corrects an entry by updating it (e.g. entered-in-error);
//   * AuditEvent is never granted here: it is read through the audit-read trait and never
//     written through the API (policy.cc);
//   * custodial staff, commissioners and system administrators see no clinical data.
#include "auth/policy_table.h"

namespace tc::auth {

std::string_view DefaultPolicyTableText() {
  return R"(
# ---- Role traits --------------------------------------------------------------------------
role registered-nurse      break-glass sealed everything
role healthcare-assistant  break-glass
role prescriber            break-glass sealed everything
role pharmacist            break-glass sealed everything
role pharmacy-technician
role mental-health         break-glass sealed everything
role substance-misuse      break-glass sealed everything
role dentist               break-glass everything
role healthcare-admin
role clinical-lead         break-glass sealed everything export
role commissioner          no-clinical
role privacy-officer       audit-read
role system-admin          no-clinical admin
role custodial-staff       operational-only
role system                sealed everything export audit-read unbounded

# ---- Types that never belong to a patient -----------------------------------------------------
reference Organization Location Practitioner PractitionerRole HealthcareService Endpoint
reference Questionnaire ValueSet CodeSystem StructureDefinition SearchParameter
reference CapabilityStatement OperationDefinition Medication

# ---- After a patient has left (within the window) the record is read-only, except handover:
# notes and letters (e.g. a late entry, a discharge summary), referrals and tasks.
after-leaving Composition DocumentReference ServiceRequest Task

# ---- Registered nurse: reception screening, obs, medicines rounds, notes, alerts.
grant registered-nurse  Patient                   rcu
grant registered-nurse  Observation               rcu
grant registered-nurse  Condition                 rcu
grant registered-nurse  AllergyIntolerance        rcu
grant registered-nurse  MedicationRequest         r
grant registered-nurse  MedicationAdministration  rcu
grant registered-nurse  MedicationDispense        r
grant registered-nurse  Flag                      rcu
grant registered-nurse  Composition               rcu
grant registered-nurse  DocumentReference         rcu
grant registered-nurse  QuestionnaireResponse     rcu
grant registered-nurse  Encounter                 rcu
grant registered-nurse  EpisodeOfCare             rcu
grant registered-nurse  Appointment               rcu
grant registered-nurse  ServiceRequest            rcu
grant registered-nurse  Task                      rcu
grant registered-nurse  Immunization              rcu
grant registered-nurse  Procedure                 rc
grant registered-nurse  Questionnaire             r
grant registered-nurse  Organization              r

# ---- Healthcare assistant: records observations and supports screening; reads the safety
# context (allergies, alerts, problems). No clinical notes or documents (which may hold
# mental-health notes) and no medicines.
grant healthcare-assistant  Patient                r
grant healthcare-assistant  Observation            rcu
grant healthcare-assistant  Condition              r
grant healthcare-assistant  AllergyIntolerance     r
grant healthcare-assistant  Flag                   r
grant healthcare-assistant  QuestionnaireResponse  rc
grant healthcare-assistant  Appointment            r
grant healthcare-assistant  Questionnaire          r
grant healthcare-assistant  Organization           r

# ---- Prescriber (GP, non-medical prescriber): the only role that writes prescriptions.
grant prescriber  Patient                   ru
grant prescriber  Observation               rcu
grant prescriber  Condition                 rcu
grant prescriber  AllergyIntolerance        rcu
grant prescriber  MedicationRequest         rcu
grant prescriber  MedicationAdministration  r
grant prescriber  MedicationDispense        r
grant prescriber  Flag                      rcu
grant prescriber  Composition               rcu
grant prescriber  DocumentReference         rcu
grant prescriber  QuestionnaireResponse     rcu
grant prescriber  Encounter                 rcu
grant prescriber  EpisodeOfCare             r
grant prescriber  Appointment               rcu
grant prescriber  ServiceRequest            rcu
grant prescriber  Task                      rcu
grant prescriber  Immunization              rcu
grant prescriber  Procedure                 rcu
grant prescriber  Questionnaire             r
grant prescriber  Organization              r

# ---- Pharmacist: clinical check and dispensing, allergy reconciliation, medication-review
# notes. Reads prescriptions but does not write them (a pharmacist independent prescriber is
# given the prescriber role).
grant pharmacist  Patient                   r
grant pharmacist  Observation               r
grant pharmacist  Condition                 r
grant pharmacist  AllergyIntolerance        rcu
grant pharmacist  MedicationRequest         r
grant pharmacist  MedicationAdministration  r
grant pharmacist  MedicationDispense        rcu
grant pharmacist  Flag                      r
grant pharmacist  Composition               rcu
grant pharmacist  DocumentReference         r
grant pharmacist  QuestionnaireResponse     r
grant pharmacist  Task                      rcu
grant pharmacist  Questionnaire             r
grant pharmacist  Organization              r

# ---- Pharmacy technician: dispensing, with what it needs to dispense safely.
grant pharmacy-technician  Patient             r
grant pharmacy-technician  AllergyIntolerance  r
grant pharmacy-technician  MedicationRequest   r
grant pharmacy-technician  MedicationDispense  rcu
grant pharmacy-technician  Flag                r
grant pharmacy-technician  Task                r
grant pharmacy-technician  Questionnaire       r
grant pharmacy-technician  Organization        r

# ---- Mental-health practitioner: assessments, diagnoses, risk alerts, notes.
grant mental-health  Patient                   r
grant mental-health  Observation               rcu
grant mental-health  Condition                 rcu
grant mental-health  AllergyIntolerance        r
grant mental-health  MedicationRequest         r
grant mental-health  MedicationAdministration  r
grant mental-health  MedicationDispense        r
grant mental-health  Flag                      rcu
grant mental-health  Composition               rcu
grant mental-health  DocumentReference         rcu
grant mental-health  QuestionnaireResponse     rcu
grant mental-health  Encounter                 rcu
grant mental-health  EpisodeOfCare             r
grant mental-health  Appointment               rcu
grant mental-health  ServiceRequest            rcu
grant mental-health  Task                      rcu
grant mental-health  Questionnaire             r
grant mental-health  Organization              r

# ---- Substance-misuse worker: drug tests and withdrawal scores, psychosocial notes,
# overdose-risk alerts; reads (does not write) diagnoses and opiate substitution prescriptions.
grant substance-misuse  Patient                   r
grant substance-misuse  Observation               rcu
grant substance-misuse  Condition                 r
grant substance-misuse  AllergyIntolerance        r
grant substance-misuse  MedicationRequest         r
grant substance-misuse  MedicationAdministration  r
grant substance-misuse  MedicationDispense        r
grant substance-misuse  Flag                      rcu
grant substance-misuse  Composition               rcu
grant substance-misuse  DocumentReference         rcu
grant substance-misuse  QuestionnaireResponse     rcu
grant substance-misuse  Encounter                 rcu
grant substance-misuse  Appointment               rcu
grant substance-misuse  ServiceRequest            rc
grant substance-misuse  Task                      rcu
grant substance-misuse  Questionnaire             r
grant substance-misuse  Organization              r

# ---- Dentist: dental findings, conditions, procedures, notes; reads medicines (prescribing
# is through the prescriber role, see the policy review notes).
grant dentist  Patient                   r
grant dentist  Observation               rcu
grant dentist  Condition                 rcu
grant dentist  AllergyIntolerance        rcu
grant dentist  MedicationRequest         r
grant dentist  MedicationAdministration  r
grant dentist  MedicationDispense        r
grant dentist  Flag                      r
grant dentist  Composition               rcu
grant dentist  DocumentReference         rcu
grant dentist  QuestionnaireResponse     r
grant dentist  Encounter                 rcu
grant dentist  Appointment               rcu
grant dentist  Procedure                 rcu
grant dentist  Questionnaire             r
grant dentist  Organization              r

# ---- Healthcare administrator: registration, appointments, filing incoming letters.
grant healthcare-admin  Patient            rcu
grant healthcare-admin  DocumentReference  rc
grant healthcare-admin  Appointment        rcu
grant healthcare-admin  EpisodeOfCare      rcu
grant healthcare-admin  Task               rcu
grant healthcare-admin  Questionnaire      r
grant healthcare-admin  Organization       r

# ---- Clinical lead: the whole clinical record, including correcting and deleting entries,
# forms, and bulk export of their establishments' patients.
grant clinical-lead  Patient                   rcud
grant clinical-lead  Observation               rcud
grant clinical-lead  Condition                 rcud
grant clinical-lead  AllergyIntolerance        rcud
grant clinical-lead  MedicationRequest         r
grant clinical-lead  MedicationAdministration  rcud
grant clinical-lead  MedicationDispense        r
grant clinical-lead  Flag                      rcud
grant clinical-lead  Composition               rcud
grant clinical-lead  DocumentReference         rcud
grant clinical-lead  QuestionnaireResponse     rcud
grant clinical-lead  Encounter                 rcud
grant clinical-lead  EpisodeOfCare             rcud
grant clinical-lead  Appointment               rcud
grant clinical-lead  ServiceRequest            rcud
grant clinical-lead  Task                      rcud
grant clinical-lead  Immunization              rcud
grant clinical-lead  Procedure                 rcud
grant clinical-lead  Questionnaire             rcud
grant clinical-lead  Organization              r

# ---- Commissioner: aggregate analytics only (not a FHIR interaction); reference data.
grant commissioner  Organization   r
grant commissioner  Questionnaire  r

# ---- Privacy officer: the audit trail (audit-read trait), reference data. No clinical data.
grant privacy-officer  Organization  r

# ---- System administrator: accounts and configuration; no clinical data.
grant system-admin  Organization  rcu
grant system-admin  Location      rcu
grant system-admin  Questionnaire r

# ---- Custodial staff: only operational information a patient consented to share (e.g. "fit to
# travel", "needs escort"), which is recorded as a Flag or an Observation; read only, and only
# while the patient is held at their establishment (operational-only trait).
grant custodial-staff  Flag          r
grant custodial-staff  Observation   r
grant custodial-staff  Organization  r

# ---- System: a trusted backend service, bounded by its SMART system/ scopes.
grant system  *  rcud
)";
}

}  // namespace tc::auth
