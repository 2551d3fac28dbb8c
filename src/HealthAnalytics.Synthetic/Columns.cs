namespace HealthAnalytics.Synthetic;

/// <summary>Raw columns of the <c>encounters</c> contract, in its order, then the derived columns.</summary>
internal static class Col
{
    public const int EncounterId = 0;
    public const int PatientId = 1;
    public const int FirstName = 2;
    public const int LastName = 3;
    public const int Email = 4;
    public const int Phone = 5;
    public const int Nir = 6;
    public const int Address = 7;
    public const int BirthDate = 8;
    public const int Sex = 9;
    public const int PostalCode = 10;
    public const int AdmissionDate = 11;
    public const int DischargeDate = 12;
    public const int AdmissionType = 13;
    public const int PrimaryDiagnosis = 14;
    public const int PriorAdmissions = 15;
    public const int MedicationCount = 16;
    public const int Hba1c = 17;
    public const int Glucose = 18;
    public const int Creatinine = 19;
    public const int SystolicBp = 20;
    public const int HeartRate = 21;
    public const int Bmi = 22;
    public const int Readmitted = 23;
    public const int RawCount = 24;
    public const int Age = 24;
    public const int LengthOfStay = 25;
    public const int AllCount = 26;

    public static readonly string[] Names =
    [
        "encounter_id", "patient_id", "first_name", "last_name", "email", "phone", "nir", "address",
        "birth_date", "sex", "postal_code", "admission_date", "discharge_date", "admission_type",
        "primary_diagnosis", "prior_admissions", "medication_count", "hba1c", "glucose", "creatinine",
        "systolic_bp", "heart_rate", "bmi", "readmitted_30d", "age", "length_of_stay_days",
    ];

    /// <summary>French header aliases from the contract, same order as the raw columns.</summary>
    public static readonly string[] FrenchNames =
    [
        "id_sejour", "id_patient", "prenom", "nom", "courriel", "telephone", "numero_securite_sociale", "adresse",
        "date_naissance", "sexe", "code_postal", "date_entree", "date_sortie", "mode_entree",
        "diagnostic_principal", "nb_sejours_anterieurs", "nb_medicaments", "hemoglobine_glyquee", "glycemie",
        "creatinine", "pas", "fc", "imc", "rehospitalisation_30j",
    ];

    /// <summary>Feature index of a raw numeric column, or -1.</summary>
    public static int FeatureOf(int col) => col switch
    {
        PriorAdmissions => Feature.PriorAdmissions,
        MedicationCount => Feature.MedicationCount,
        Hba1c => Feature.Hba1c,
        Glucose => Feature.Glucose,
        Creatinine => Feature.Creatinine,
        SystolicBp => Feature.SystolicBp,
        HeartRate => Feature.HeartRate,
        Bmi => Feature.Bmi,
        _ => -1,
    };
}
