"""The closed vocabularies: categories, tags, priorities, actions, sectors (docs/domain.md).

These ids are the contract between the services, the event schemas and the evaluation data.
Labels are what union officers read, so they stay in Indonesian.
"""

from enum import StrEnum


class Category(StrEnum):
    WAGES_MINIMUM_WAGE = "wages_minimum_wage"
    OVERTIME = "overtime"
    THR_HOLIDAY_ALLOWANCE = "thr_holiday_allowance"
    SOCIAL_SECURITY_BPJS = "social_security_bpjs"
    EMPLOYMENT_STATUS_CONTRACTS = "employment_status_contracts"
    TERMINATION_SEVERANCE = "termination_severance"
    OSH_SAFETY_HEALTH = "osh_safety_health"
    HARASSMENT_GBV = "harassment_gbv"
    MATERNITY_REPRODUCTIVE = "maternity_reproductive"
    FREEDOM_OF_ASSOCIATION = "freedom_of_association"
    DISCRIMINATION = "discrimination"
    CHILD_LABOUR = "child_labour"
    WORKING_HOURS_TARGETS = "working_hours_targets"
    LEAVE_REST = "leave_rest"
    HOUSING_LIVING_CONDITIONS = "housing_living_conditions"
    FORCED_LABOUR_INDICATORS = "forced_labour_indicators"
    OTHER = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.WAGES_MINIMUM_WAGE: "Upah & Upah Minimum",
    Category.OVERTIME: "Lembur",
    Category.THR_HOLIDAY_ALLOWANCE: "THR Keagamaan",
    Category.SOCIAL_SECURITY_BPJS: "Jaminan Sosial (BPJS)",
    Category.EMPLOYMENT_STATUS_CONTRACTS: "Status Hubungan Kerja & Kontrak",
    Category.TERMINATION_SEVERANCE: "PHK & Pesangon",
    Category.OSH_SAFETY_HEALTH: "K3",
    Category.HARASSMENT_GBV: "Pelecehan, Kekerasan & Perundungan",
    Category.MATERNITY_REPRODUCTIVE: "Hak Maternitas & Kesehatan Reproduksi",
    Category.FREEDOM_OF_ASSOCIATION: "Kebebasan Berserikat & Union Busting",
    Category.DISCRIMINATION: "Diskriminasi",
    Category.CHILD_LABOUR: "Pekerja Anak",
    Category.WORKING_HOURS_TARGETS: "Jam Kerja, Target & Sistem Premi",
    Category.LEAVE_REST: "Cuti & Istirahat",
    Category.HOUSING_LIVING_CONDITIONS: "Perumahan, Air, Sanitasi & Fasilitas",
    Category.FORCED_LABOUR_INDICATORS: "Kerja Paksa & Jeratan Utang",
    Category.OTHER: "Lainnya",
}


class Tag(StrEnum):
    # A. Urgency & harm
    INJURY = "injury"
    FATALITY = "fatality"
    IMMEDIATE_DANGER = "immediate_danger"
    ILLNESS_SYMPTOMS = "illness_symptoms"
    CHEMICAL_EXPOSURE = "chemical_exposure"
    PHYSICAL_VIOLENCE = "physical_violence"
    SEXUAL_VIOLENCE = "sexual_violence"
    VERBAL_ABUSE_THREATS = "verbal_abuse_threats"
    SELF_HARM_RISK = "self_harm_risk"
    LOSS_OF_INCOME_NOW = "loss_of_income_now"
    # B. Vulnerable groups & status
    PREGNANT_WORKER = "pregnant_worker"
    NEW_OR_BREASTFEEDING_MOTHER = "new_or_breastfeeding_mother"
    MINOR_INVOLVED = "minor_involved"
    WOMAN_WORKER = "woman_worker"
    MIGRANT_WORKER = "migrant_worker"
    PERSON_WITH_DISABILITY = "person_with_disability"
    PRECARIOUS_STATUS = "precarious_status"
    UNREGISTERED_HELPER = "unregistered_helper"
    # C. Scope
    COLLECTIVE = "collective"
    INDIVIDUAL = "individual"
    ONGOING_OR_REPEATED = "ongoing_or_repeated"
    MASS_LAYOFF_OR_CLOSURE = "mass_layoff_or_closure"
    # D. Process, risk & confidentiality
    UNION_MEMBER = "union_member"
    RETALIATION_FEARED = "retaliation_feared"
    RETALIATION_OCCURRED = "retaliation_occurred"
    ANONYMITY_REQUESTED = "anonymity_requested"
    REPORTED_BY_THIRD_PARTY = "reported_by_third_party"
    SUPERVISOR_IMPLICATED = "supervisor_implicated"
    INTERNAL_STEPS_TAKEN = "internal_steps_taken"
    EXTERNAL_STEPS_TAKEN = "external_steps_taken"
    DEADLINE_IMMINENT = "deadline_imminent"
    WANTS_COLLECTIVE_ACTION = "wants_collective_action"
    LEGAL_AID_REQUESTED = "legal_aid_requested"
    INFO_REQUEST = "info_request"
    # E. Evidence & specifics
    EVIDENCE_AVAILABLE = "evidence_available"
    EMPLOYER_NAMED = "employer_named"
    LOCATION_NAMED = "location_named"
    MONEY_AMOUNT_STATED = "money_amount_stated"
    BUYER_OR_CERTIFICATION_LINK = "buyer_or_certification_link"
    DOCUMENT_RETENTION = "document_retention"
    DEBT_OR_RECRUITMENT_FEE = "debt_or_recruitment_fee"


class Priority(StrEnum):
    """P1: human contact within 24 h; P2: within 3 days; P3: everything else."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


class Action(StrEnum):
    URGENT_SAFETY_RESPONSE = "urgent_safety_response"
    MEDICAL_CARE_DOCUMENTATION = "medical_care_documentation"
    CONFIDENTIAL_SAFETY_PLAN = "confidential_safety_plan"
    COLLECT_EVIDENCE = "collect_evidence"
    CALCULATE_ENTITLEMENT = "calculate_entitlement"
    BIPARTITE_NEGOTIATION = "bipartite_negotiation"
    LABOUR_INSPECTION_REPORT = "labour_inspection_report"
    DISNAKER_MEDIATION = "disnaker_mediation"
    INDUSTRIAL_COURT_CLAIM = "industrial_court_claim"
    POLICE_REPORT = "police_report"
    BPJS_COMPLAINT = "bpjs_complaint"
    THR_COMPLAINT_POST = "thr_complaint_post"
    SATGAS_PPKS_REFERRAL = "satgas_ppks_referral"
    CHILD_PROTECTION_REFERRAL = "child_protection_referral"
    LEGAL_AID_REFERRAL = "legal_aid_referral"
    COLLECTIVE_BARGAINING = "collective_bargaining"
    SUPPLY_CHAIN_ESCALATION = "supply_chain_escalation"
    INFORMATION_RESPONSE = "information_response"


ACTION_LABELS: dict[Action, str] = {
    Action.URGENT_SAFETY_RESPONSE: "Tindakan darurat keselamatan",
    Action.MEDICAL_CARE_DOCUMENTATION: "Perawatan medis & visum/dokumentasi",
    Action.CONFIDENTIAL_SAFETY_PLAN: "Rencana keamanan rahasia",
    Action.COLLECT_EVIDENCE: "Kumpulkan bukti",
    Action.CALCULATE_ENTITLEMENT: "Hitung hak normatif",
    Action.BIPARTITE_NEGOTIATION: "Perundingan bipartit",
    Action.LABOUR_INSPECTION_REPORT: "Lapor pengawas ketenagakerjaan",
    Action.DISNAKER_MEDIATION: "Catat perselisihan & mediasi Disnaker",
    Action.INDUSTRIAL_COURT_CLAIM: "Gugatan ke PHI",
    Action.POLICE_REPORT: "Lapor polisi",
    Action.BPJS_COMPLAINT: "Pengaduan BPJS",
    Action.THR_COMPLAINT_POST: "Posko pengaduan THR",
    Action.SATGAS_PPKS_REFERRAL: "Rujuk Satgas PPKS / komite perempuan",
    Action.CHILD_PROTECTION_REFERRAL: "Rujuk perlindungan anak",
    Action.LEGAL_AID_REFERRAL: "Rujuk pendampingan hukum (LBH / tim advokasi serikat)",
    Action.COLLECTIVE_BARGAINING: "Bawa ke perundingan PKB / aksi kolektif",
    Action.SUPPLY_CHAIN_ESCALATION: "Eskalasi ke buyer / sertifikasi (RSPO, ISPO, brand)",
    Action.INFORMATION_RESPONSE: "Jawab & jelaskan hak",
}


class Sector(StrEnum):
    GARMENT = "garment"
    FOOTWEAR = "footwear"
    PALM_OIL = "palm_oil"
    OTHER = "other"


class Outcome(StrEnum):
    """How a resolved case ended; recommend weighs past cases by it."""

    RESOLVED = "resolved"
    PARTIALLY_RESOLVED = "partially_resolved"
    NOT_RESOLVED = "not_resolved"
