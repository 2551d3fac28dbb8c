using System.IO.Compression;
using System.Text;

namespace HealthAnalytics.Synthetic;

/// <summary>
/// Streams a synthetic <c>encounters</c> CSV with planted, exactly counted defects and a ground truth
/// (latent subgroups, true readmission probabilities). Pure: no storage SDK, no clock, no I/O besides
/// the given streams. Memory is constant in the number of rows (apart from the capped PII list).
/// </summary>
public static class EncounterGenerator
{
    /// <summary>Header of the ground-truth side file.</summary>
    public const string GroundTruthHeader = "encounter_id,patient_id,subgroup,true_probability";

    /// <summary>Writes the CSV (gzip when <see cref="GeneratorOptions.Gzip"/>) to <paramref name="output"/>
    /// and, when given, the ground truth (one line per output row:
    /// <c>encounter_id,patient_id,subgroup,true_probability</c>) to <paramref name="groundTruth"/>.
    /// Neither stream is closed.</summary>
    /// <returns>The counts a correct ingestion report must show, and the ground truth summary.</returns>
    public static GenerationTruth Write(Stream output, GeneratorOptions options, Stream? groundTruth = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!options.Gzip)
        {
            return new Writer(options, output, groundTruth).Run();
        }

        // Fastest keeps generation I/O-bound; zlib output is deterministic for the same input and level.
        using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        return new Writer(options, gzip, groundTruth).Run();
    }

    /// <summary>Writes <paramref name="path"/>, its truth (<c>{base}.truth.json</c>) and ground truth
    /// (<c>{base}.groundtruth.csv</c>) next to it, where {base} is the path without <c>.gz</c>/<c>.csv</c>.</summary>
    public static GenerationTruth WriteFiles(string path, GeneratorOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        GenerationTruth truth;
        using (var data = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var side = new FileStream(GroundTruthPath(path), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            truth = Write(data, options, side);
        }

        using (var json = new FileStream(TruthPath(path), FileMode.Create, FileAccess.Write))
        {
            System.Text.Json.JsonSerializer.Serialize(json, truth, GenerationTruth.JsonOptions);
        }

        return truth;
    }

    public static string TruthPath(string dataPath) => BasePath(dataPath) + ".truth.json";

    public static string GroundTruthPath(string dataPath) => BasePath(dataPath) + ".groundtruth.csv";

    private static string BasePath(string p)
    {
        if (p.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            p = p[..^3];
        }

        return p.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? p[..^4] : p;
    }

    private sealed class Writer
    {
        private const int RingSize = 16;
        // Five decimals: the AUC histogram (2 × 100 001 ints) stays in cache; finer adds nothing to an AUC.
        private const int ProbabilityScale = 100_000;
        private static readonly int Epoch2019 = new DateOnly(2019, 1, 1).DayNumber;
        private static readonly int FutureStart = new DateOnly(2036, 1, 1).DayNumber;
        private static readonly int FutureEnd = new DateOnly(2039, 6, 30).DayNumber;
        private static readonly int AgeAnchor = new DateOnly(2022, 7, 1).DayNumber;

        private static readonly int[] MissingOptionalColumns =
            [Col.PostalCode, Col.PriorAdmissions, Col.MedicationCount, Col.Hba1c, Col.Glucose, Col.Creatinine, Col.SystolicBp, Col.HeartRate, Col.Bmi];

        // Required columns that do not feed a derived column: an empty date would also leave a
        // derived column uncomputable, which is a second effect we do not want to count.
        private static readonly int[] MissingRequiredColumns =
            [Col.EncounterId, Col.PatientId, Col.Sex, Col.AdmissionType, Col.PrimaryDiagnosis, Col.Readmitted];

        private static readonly int[] RangeColumns =
            [Col.PriorAdmissions, Col.MedicationCount, Col.Hba1c, Col.Glucose, Col.Creatinine, Col.SystolicBp, Col.HeartRate, Col.Bmi];

        private static readonly int[] NonFiniteColumns = [Col.Hba1c, Col.Glucose, Col.Creatinine, Col.Bmi];
        private static readonly int[] DateColumns = [Col.BirthDate, Col.AdmissionDate, Col.DischargeDate];
        private static readonly byte[][] NonFiniteValues = Utf8("NaN", "Infinity", "-Infinity", "1e309");
        private static readonly byte[][] SexCanonical = Utf8("F", "M", "U");
        private static readonly byte[][] SexLower = Utf8("f", "m", "u");
        private static readonly byte[][][] SexAliases =
        [
            Utf8("female", "femme", "w", "woman", "2", "Female", "FEMME"),
            Utf8("male", "homme", "h", "man", "1", "Male", "HOMME"),
            Utf8("unknown", "other", "x", "inconnu", "9"),
        ];

        private static readonly byte[][] AdmissionCanonical = Utf8(SubgroupProfile.AdmissionTypes);
        private static readonly byte[][][] AdmissionCaseVariants =
        [
            Utf8("Emergency", "EMERGENCY"), Utf8("Elective", "ELECTIVE"), Utf8("Urgent", "URGENT"), Utf8("Transfer", "TRANSFER"),
        ];

        private static readonly byte[][][] AdmissionAliases =
        [
            Utf8("ER", "ED", "urgence", "Urgences", "emergency room"),
            Utf8("planned", "scheduled", "programme", "Programmee"),
            Utf8("semi-urgent", "urgent care"),
            Utf8("transfert", "transferred"),
        ];

        private static readonly byte[] Blank3 = "   "u8.ToArray();

        private readonly GeneratorOptions _o;
        private readonly Stream _out;
        private readonly Stream? _side;
        private readonly Rng _rng;
        private readonly SubgroupProfile[] _profiles;
        private readonly double[] _subgroupCdf;
        private readonly double[][] _admissionCdf;
        private readonly double[] _defectCdf;
        private readonly byte _delim;
        private readonly byte _decimal;
        private readonly bool _french;
        private readonly bool _quoteAddress;
        private readonly byte[] _newline;
        private readonly byte[][][] _diagnoses;
        private readonly byte[][] _diagnosesLower;
        private readonly int _latestClean;
        private readonly ulong _patientOffset;
        private readonly ulong _encounterOffset;

        // Output buffers: a line is assembled in _row, then copied to _buf (and to the duplicate ring).
        private readonly byte[] _buf = new byte[1 << 18];
        private int _bufLen;
        private readonly byte[] _row = new byte[8192];
        private int _len;
        private readonly byte[] _sideBuf = new byte[1 << 16];
        private int _sideLen;
        private readonly byte[][] _ring = new byte[RingSize][];
        private readonly int[] _ringLen = new int[RingSize];
        private int _ringCount;
        private long _bytes;

        // The last quarantined row, for copies of it and for reuse of its key.
        private readonly QuarantinedRow _q = new();
        private readonly List<(int Column, string Rule)> _rowViolations = [];
        private bool _reuseId;

        // Current patient.
        private long _patientNo = -1;
        private int _encountersLeft;
        private int _group;
        private int _sex;
        private byte[] _first = [];
        private byte[] _firstEmail = [];
        private int _last;
        private int _emailNumber;
        private int _domain;
        private bool _phoneIntl;
        private int _phoneDigits;
        private int _phonePrefix;
        private long _nir;
        private int _streetNumber;
        private int _street;
        private City _city = Vocabulary.Cities[0];
        private int _postal;
        private int _birthDay;
        private int _piiListed;
        private readonly byte[] _patientBlock = new byte[2048];
        private int _patientBlockLength;

        // Current encounter.
        private long _encounterNo = -1;
        private int _admission;
        private int _discharge;
        private readonly double[] _x = new double[Feature.Count];
        private double _probability;
        private bool _label;
        private int _admissionType;
        private int _diagnosis;

        // Truth accumulators.
        private long _kept, _fixed, _quarantined, _duplicate, _blank;
        private readonly long[] _missing = new long[Col.AllCount];
        private readonly long[] _invalid = new long[Col.AllCount];
        private readonly long[] _fixedCells = new long[Col.AllCount];
        private readonly SortedDictionary<string, long> _violations = new(StringComparer.Ordinal);
        private readonly long[] _defects = new long[Enum.GetValues<DefectKind>().Length];
        private readonly int[] _aucPositive = new int[ProbabilityScale + 1];
        private readonly int[] _aucNegative = new int[ProbabilityScale + 1];
        private readonly long[] _groupRows;
        private readonly double[][] _groupSum;
        private readonly long[][] _groupCount;
        private long _positives;
        private readonly Pii _pii;

        public Writer(GeneratorOptions options, Stream output, Stream? side)
        {
            _o = options;
            _out = output;
            _side = side;
            _rng = new Rng(unchecked((ulong)options.Seed));
            _profiles = SubgroupProfile.All[..options.Subgroups];
            _subgroupCdf = Cumulative(_profiles.Select(p => p.Weight));
            _admissionCdf = [.. _profiles.Select(p => Cumulative(p.AdmissionTypeWeights))];
            _defectCdf = Cumulative(options.Dirt.ByKind());
            _french = options.Dialect == CsvDialect.French;
            _delim = _french ? (byte)';' : (byte)',';
            _decimal = _french ? (byte)',' : (byte)'.';
            _quoteAddress = !_french; // French addresses hold commas but never semicolons.
            _newline = _french ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
            _diagnoses = [.. _profiles.Select(p => Utf8(p.Diagnoses))];
            _diagnosesLower = [.. _profiles.SelectMany(p => p.Diagnoses).Select(d => Encoding.UTF8.GetBytes(d.ToLowerInvariant()))];
            _latestClean = options.LatestCleanDate.DayNumber;
            _patientOffset = _rng.NextULong() % 1_000_000_000UL;
            _encounterOffset = _rng.NextULong() % 10_000_000_000UL;
            _groupRows = new long[_profiles.Length];
            _groupSum = [.. _profiles.Select(_ => new double[Feature.Count])];
            _groupCount = [.. _profiles.Select(_ => new long[Feature.Count])];
            _pii = new Pii(options.MaxPiiValues);
            for (int i = 0; i < RingSize; i++)
            {
                _ring[i] = new byte[_row.Length];
            }
        }

        private string[] Header()
        {
            string[] names = _french ? Col.FrenchNames : Col.Names[..Col.RawCount];
            names = [.. names];
            if (_o.GlucoseInMmolHeader)
            {
                names[Col.Glucose] = _french ? "glycemie_mmol_l" : "glucose_mmol_l";
            }

            return names;
        }

        public GenerationTruth Run()
        {
            string[] header = Header();
            _len = 0;
            for (int c = 0; c < header.Length; c++)
            {
                if (c > 0)
                {
                    Put(_delim);
                }

                Put(Encoding.UTF8.GetBytes(header[c]));
            }

            EndLine(output: false);
            if (_side is not null)
            {
                PutSide(Encoding.UTF8.GetBytes(GroundTruthHeader + "\n"));
            }

            for (long i = 0; i < _o.Rows; i++)
            {
                var defect = (DefectKind)_rng.Pick(_defectCdf);
                if ((defect == DefectKind.Duplicate && _ringCount == 0)
                    || (defect == DefectKind.Blank && i == _o.Rows - 1)
                    || (defect == DefectKind.CopyOfQuarantined && (!_q.Available || _q.Reused))
                    || (defect == DefectKind.ReusedQuarantinedKey && (!_q.Available || _q.Reused || _q.Copied || !_q.HasId)))
                {
                    // A duplicate needs an earlier output row; a blank last line would read as the optional
                    // final newline; a quarantined row is either copied or has its key reused, never both,
                    // so "a copy of a quarantined row" stays distinguishable from a duplicate by its key.
                    defect = DefectKind.None;
                }

                _defects[(int)defect]++;
                switch (defect)
                {
                    case DefectKind.Duplicate:
                        int slot = _rng.Next(Math.Min(_ringCount, RingSize));
                        EmitDuplicate(_ring[slot], _ringLen[slot]);
                        _duplicate++;
                        break;
                    case DefectKind.Blank:
                        WriteBlank();
                        _blank++;
                        break;
                    case DefectKind.CopyOfQuarantined:
                        // Same bytes as a quarantined row: quarantined again with the same violations, and
                        // not a duplicate (its key was never output).
                        EmitDuplicate(_q.Row, _q.Length);
                        foreach ((int col, string rule) in _q.Violations)
                        {
                            Violation(col, rule);
                        }

                        _q.Copied = true;
                        _quarantined++;
                        break;
                    default:
                        WriteEncounter(defect);
                        break;
                }
            }

            FlushAll();
            return BuildTruth(header);
        }

        // ---- one encounter row -------------------------------------------------------------------

        private void WriteEncounter(DefectKind defect)
        {
            NextEncounter();
            _rowViolations.Clear();
            _reuseId = defect == DefectKind.ReusedQuarantinedKey;
            int target = -1;
            int cellCount = Col.RawCount;
            bool quarantined = false;
            bool rowFixed = false;
            switch (defect)
            {
                case DefectKind.MissingOptional:
                    target = MissingOptionalColumns[_rng.Next(MissingOptionalColumns.Length)];
                    _missing[target]++;
                    break;
                case DefectKind.MissingRequired:
                    target = MissingRequiredColumns[_rng.Next(MissingRequiredColumns.Length)];
                    Violation(target, "required");
                    quarantined = true;
                    break;
                case DefectKind.OutOfRange:
                    do
                    {
                        target = RangeColumns[_rng.Next(RangeColumns.Length)];
                    }
                    while (target == Col.Glucose && _o.GlucoseInMmolHeader);
                    Violation(target, "range");
                    quarantined = true;
                    break;
                case DefectKind.MixedUnits:
                    target = _rng.Next(3) switch { 0 => Col.Hba1c, 1 when !_o.GlucoseInMmolHeader => Col.Glucose, _ => Col.Creatinine };
                    _fixedCells[target]++;
                    rowFixed = true;
                    break;
                case DefectKind.CategoryAlias:
                    target = _rng.Chance(0.5) ? Col.Sex : Col.AdmissionType;
                    _fixedCells[target]++;
                    rowFixed = true;
                    break;
                case DefectKind.LowerCaseDiagnosis:
                    target = Col.PrimaryDiagnosis;
                    _fixedCells[target]++;
                    rowFixed = true;
                    break;
                case DefectKind.CanonicalCase:
                    target = _rng.Chance(0.5) ? Col.Sex : Col.AdmissionType;
                    break;
                case DefectKind.TooFewFields:
                    cellCount = _rng.Between(10, Col.RawCount - 1);
                    Violation(-1, "field-count");
                    quarantined = true;
                    break;
                case DefectKind.TooManyFields:
                    Violation(-1, "field-count");
                    quarantined = true;
                    break;
                case DefectKind.NonFinite:
                    target = NonFiniteColumns[_rng.Next(NonFiniteColumns.Length)];
                    Violation(target, "non-finite");
                    quarantined = true;
                    break;
                case DefectKind.ImpossibleDate:
                    target = DateColumns[_rng.Next(DateColumns.Length)];
                    Violation(target, "type");
                    quarantined = true;
                    break;
                case DefectKind.FutureAdmission:
                    int stay = _discharge - _admission;
                    _admission = _rng.Between(FutureStart, FutureEnd);
                    _discharge = _admission + stay;
                    Violation(Col.AdmissionDate, "future-date");
                    Violation(Col.DischargeDate, "future-date");
                    quarantined = true;
                    break;
                case DefectKind.DischargeBeforeAdmission:
                    _discharge = _admission - _rng.Between(1, 30);
                    Violation(Col.LengthOfStay, "range");
                    quarantined = true;
                    break;
                case DefectKind.StayTooLong:
                    int longStay = _rng.Between(366, 400);
                    _admission = _rng.Between(Epoch2019, _latestClean - longStay);
                    _discharge = _admission + longStay;
                    Violation(Col.LengthOfStay, "range");
                    quarantined = true;
                    break;
                default:
                    break;
            }

            bool output = !quarantined;
            if (output && _o.GlucoseInMmolHeader && target != Col.Glucose)
            {
                // Every glucose cell of the column is converted from mmol/L: a fix per output row.
                _fixedCells[Col.Glucose]++;
                rowFixed = true;
            }

            _len = 0;
            int idStart = 0, idEnd = 0, patientStart = 0, patientEnd = 0;
            for (int c = 0; c < cellCount; c++)
            {
                if (c > 0)
                {
                    Put(_delim);
                }

                int start = _len;
                if (c == Col.FirstName)
                {
                    // Names, contacts and address never change within a patient and never carry a
                    // defect (no defect targets them and records keep at least 10 fields): format them
                    // once per patient and copy the bytes for the patient's other encounters.
                    if (_patientBlockLength == 0)
                    {
                        for (int d = Col.FirstName; d <= Col.Address; d++)
                        {
                            if (d > Col.FirstName)
                            {
                                Put(_delim);
                            }

                            WriteCell(d);
                        }

                        _patientBlockLength = _len - start;
                        Buffer.BlockCopy(_row, start, _patientBlock, 0, _patientBlockLength);
                    }
                    else
                    {
                        Put(_patientBlock.AsSpan(0, _patientBlockLength));
                    }

                    c = Col.Address;
                }
                else if (c == target)
                {
                    WriteDefectCell(c, defect);
                }
                else
                {
                    WriteCell(c);
                }

                if (c == Col.EncounterId)
                {
                    (idStart, idEnd) = (start, _len);
                }
                else if (c == Col.PatientId)
                {
                    (patientStart, patientEnd) = (start, _len);
                }
            }

            if (defect == DefectKind.TooManyFields)
            {
                Put(_delim);
                if (_rng.Chance(0.5))
                {
                    Put("see note"u8);
                }
            }

            if (output)
            {
                if (rowFixed)
                {
                    _fixed++;
                }
                else
                {
                    _kept++;
                }

                RecordOutput(defect == DefectKind.MissingOptional ? Col.FeatureOf(target) : -1, idStart, idEnd, patientStart, patientEnd);
            }
            else
            {
                _quarantined++;
                bool hasId = !(defect == DefectKind.MissingRequired && target == Col.EncounterId);
                _q.Save(_row, _len, idStart, idEnd, hasId, _rowViolations);
            }

            if (_reuseId)
            {
                _q.Reused = true;
                _reuseId = false;
            }

            EndLine(output);
        }

        private void RecordOutput(int missingFeature, int idStart, int idEnd, int patientStart, int patientEnd)
        {
            long scaled = (long)Math.Round(_probability * ProbabilityScale, MidpointRounding.AwayFromZero);
            if (_label)
            {
                _aucPositive[scaled]++;
                _positives++;
            }
            else
            {
                _aucNegative[scaled]++;
            }

            _groupRows[_group]++;
            for (int f = 0; f < Feature.Count; f++)
            {
                if (f != missingFeature)
                {
                    _groupSum[_group][f] += _x[f];
                    _groupCount[_group][f]++;
                }
            }

            if (_side is null)
            {
                return;
            }

            if (_sideLen + 256 > _sideBuf.Length)
            {
                _side.Write(_sideBuf, 0, _sideLen);
                _sideLen = 0;
            }

            PutSide(_row.AsSpan(idStart, idEnd - idStart));
            PutSide(","u8);
            PutSide(_row.AsSpan(patientStart, patientEnd - patientStart));
            PutSide(","u8);
            _sideBuf[_sideLen++] = (byte)('0' + _group);
            PutSide(","u8);
            _sideBuf[_sideLen++] = (byte)('0' + (int)(scaled / ProbabilityScale));
            _sideBuf[_sideLen++] = (byte)'.';
            long frac = scaled % ProbabilityScale;
            for (int d = ProbabilityScale / 10; d > 0; d /= 10)
            {
                _sideBuf[_sideLen++] = (byte)('0' + (int)(frac / d % 10));
            }

            _sideBuf[_sideLen++] = (byte)'\n';
        }

        private void Violation(int col, string rule)
        {
            if (col >= 0)
            {
                _invalid[col]++;
            }

            _violations[rule] = _violations.GetValueOrDefault(rule) + 1;
            _rowViolations.Add((col, rule));
        }

        private void WriteCell(int c)
        {
            switch (c)
            {
                case Col.EncounterId when _reuseId:
                    Put(_q.Row.AsSpan(_q.IdStart, _q.IdEnd - _q.IdStart));
                    break;
                case Col.EncounterId:
                    int s0 = _len;
                    Put("SEJ"u8);
                    PutDigits((long)((((ulong)_encounterNo * 7_919UL) + _encounterOffset) % 10_000_000_000UL), 10);
                    _pii.Add(PiiKind.EncounterId, _row.AsSpan(s0, _len - s0));
                    break;
                case Col.PatientId:
                    int s1 = _len;
                    Put("PAT"u8);
                    PutDigits((long)((((ulong)_patientNo * 48_271UL) + _patientOffset) % 1_000_000_000UL), 9);
                    ListPii(PiiKind.PatientId, s1);
                    break;
                case Col.FirstName:
                    Put(_first);
                    ListPii(PiiKind.FirstName, _len - _first.Length);
                    break;
                case Col.LastName:
                    Put(Vocabulary.LastNames[_last]);
                    ListPii(PiiKind.LastName, _len - Vocabulary.LastNames[_last].Length);
                    break;
                case Col.Email:
                    int s4 = _len;
                    Put(_firstEmail);
                    Put((byte)'.');
                    Put(Vocabulary.LastEmailParts[_last]);
                    if (_emailNumber >= 0)
                    {
                        PutInt(_emailNumber);
                    }

                    Put((byte)'@');
                    Put(Vocabulary.EmailDomains[_domain]);
                    ListPii(PiiKind.Email, s4);
                    break;
                case Col.Phone:
                    int s5 = _len;
                    if (_phoneIntl)
                    {
                        Put("+33 "u8);
                        Put((byte)('0' + _phonePrefix));
                    }
                    else
                    {
                        Put((byte)'0');
                        Put((byte)('0' + _phonePrefix));
                    }

                    for (int pair = 1_000_000; pair > 0; pair /= 100)
                    {
                        Put((byte)' ');
                        PutDigits(_phoneDigits / pair % 100, 2);
                    }

                    ListPii(PiiKind.Phone, s5);
                    break;
                case Col.Nir:
                    int s6 = _len;
                    PutDigits(_nir, 15);
                    ListPii(PiiKind.Nir, s6);
                    break;
                case Col.Address:
                    if (_quoteAddress)
                    {
                        Put((byte)'"');
                    }

                    int s7 = _len;
                    PutInt(_streetNumber);
                    Put((byte)' ');
                    Put(Vocabulary.Streets[_street]);
                    Put(", "u8);
                    PutDigits(_postal, 5);
                    Put((byte)' ');
                    Put(_city.Utf8Name);
                    ListPii(PiiKind.Address, s7);
                    if (_quoteAddress)
                    {
                        Put((byte)'"');
                    }

                    break;
                case Col.BirthDate:
                    int s8 = _len;
                    PutDate(_birthDay);
                    ListPii(PiiKind.BirthDate, s8);
                    break;
                case Col.Sex:
                    Put(SexCanonical[_sex]);
                    break;
                case Col.PostalCode:
                    int s10 = _len;
                    PutDigits(_postal, 5);
                    ListPii(PiiKind.PostalCode, s10);
                    break;
                case Col.AdmissionDate:
                    PutDate(_admission);
                    break;
                case Col.DischargeDate:
                    PutDate(_discharge);
                    break;
                case Col.AdmissionType:
                    Put(AdmissionCanonical[_admissionType]);
                    break;
                case Col.PrimaryDiagnosis:
                    Put(_diagnoses[_group][_diagnosis]);
                    break;
                case Col.PriorAdmissions:
                    PutInt((long)_x[Feature.PriorAdmissions]);
                    break;
                case Col.MedicationCount:
                    PutInt((long)_x[Feature.MedicationCount]);
                    break;
                case Col.Hba1c:
                    PutFixed(_x[Feature.Hba1c], 1);
                    break;
                case Col.Glucose:
                    if (_o.GlucoseInMmolHeader)
                    {
                        double mmol = Math.Round(_x[Feature.Glucose] / 18.0182, 1, MidpointRounding.AwayFromZero);
                        _x[Feature.Glucose] = mmol * 18.0182;
                        PutFixed(mmol, 1);
                    }
                    else
                    {
                        PutFixed(_x[Feature.Glucose], 0);
                    }

                    break;
                case Col.Creatinine:
                    PutFixed(_x[Feature.Creatinine], 2);
                    break;
                case Col.SystolicBp:
                    PutInt((long)_x[Feature.SystolicBp]);
                    break;
                case Col.HeartRate:
                    PutInt((long)_x[Feature.HeartRate]);
                    break;
                case Col.Bmi:
                    PutFixed(_x[Feature.Bmi], 1);
                    break;
                case Col.Readmitted:
                    Put(_french ? (_label ? "oui"u8 : "non"u8) : (_label ? "true"u8 : "false"u8));
                    break;
                default:
                    throw new InvalidOperationException("unknown column");
            }
        }

        private void WriteDefectCell(int c, DefectKind defect)
        {
            switch (defect)
            {
                case DefectKind.MissingOptional:
                    if (_rng.Chance(0.2))
                    {
                        Put(Blank3); // whitespace only: empty after trimming (trimming is not a fix)
                    }

                    break;
                case DefectKind.MissingRequired:
                    if (_rng.Chance(0.2))
                    {
                        Put(Blank3);
                    }

                    break;
                case DefectKind.OutOfRange:
                    WriteOutOfRange(c);
                    break;
                case DefectKind.MixedUnits:
                    WriteOtherUnit(c);
                    break;
                case DefectKind.CategoryAlias:
                    if (c == Col.Sex)
                    {
                        byte[][] aliases = SexAliases[_sex];
                        Put(aliases[_rng.Next(aliases.Length)]);
                    }
                    else
                    {
                        byte[][] aliases = AdmissionAliases[_admissionType];
                        Put(aliases[_rng.Next(aliases.Length)]);
                    }

                    break;
                case DefectKind.CanonicalCase:
                    if (c == Col.Sex)
                    {
                        Put(SexLower[_sex]);
                    }
                    else
                    {
                        Put(AdmissionCaseVariants[_admissionType][_rng.Next(2)]);
                    }

                    break;
                case DefectKind.LowerCaseDiagnosis:
                    int offset = 0;
                    for (int g = 0; g < _group; g++)
                    {
                        offset += _diagnoses[g].Length;
                    }

                    Put(_diagnosesLower[offset + _diagnosis]);
                    break;
                case DefectKind.NonFinite:
                    Put(NonFiniteValues[_rng.Next(NonFiniteValues.Length)]);
                    break;
                case DefectKind.ImpossibleDate:
                    WriteImpossibleDate(c);
                    break;
                default:
                    WriteCell(c);
                    break;
            }
        }

        private void WriteOutOfRange(int c)
        {
            bool high = _rng.Chance(0.7);
            switch (c)
            {
                case Col.PriorAdmissions:
                case Col.MedicationCount:
                    PutInt(high ? _rng.Between(101, 250) : -_rng.Between(1, 5));
                    break;
                case Col.Hba1c:
                    PutFixed(high ? _rng.Between(205, 300) / 10.0 : _rng.Between(10, 29) / 10.0, 1);
                    break;
                case Col.Glucose:
                    PutFixed(high ? _rng.Between(1001, 2500) : _rng.Between(5, 19), 0);
                    break;
                case Col.Creatinine:
                    PutFixed(high ? _rng.Between(2550, 6000) / 100.0 : _rng.Between(1, 9) / 100.0, 2);
                    break;
                case Col.SystolicBp:
                    PutInt(high ? _rng.Between(261, 350) : _rng.Between(20, 49));
                    break;
                case Col.HeartRate:
                    PutInt(high ? _rng.Between(251, 320) : _rng.Between(5, 19));
                    break;
                default: // BMI
                    PutFixed(high ? _rng.Between(805, 1200) / 10.0 : _rng.Between(30, 99) / 10.0, 1);
                    break;
            }
        }

        private void WriteOtherUnit(int c)
        {
            switch (c)
            {
                case Col.Hba1c:
                    double mmolMol = Math.Round((_x[Feature.Hba1c] - 2.152) / 0.09148, MidpointRounding.AwayFromZero);
                    _x[Feature.Hba1c] = (mmolMol * 0.09148) + 2.152;
                    PutFixed(mmolMol, 0);
                    Put(" mmol/mol"u8);
                    break;
                case Col.Glucose:
                    double mmolL = Math.Round(_x[Feature.Glucose] / 18.0182, 1, MidpointRounding.AwayFromZero);
                    _x[Feature.Glucose] = mmolL * 18.0182;
                    PutFixed(mmolL, 1);
                    Put(" mmol/L"u8);
                    break;
                default:
                    double umol = Math.Round(_x[Feature.Creatinine] / 0.011312, MidpointRounding.AwayFromZero);
                    _x[Feature.Creatinine] = umol * 0.011312;
                    PutFixed(umol, 0);
                    Put(_rng.Chance(0.7) ? " umol/L"u8 : " µmol/L"u8);
                    break;
            }
        }

        private void WriteImpossibleDate(int c)
        {
            int day = c switch { Col.BirthDate => _birthDay, Col.AdmissionDate => _admission, _ => _discharge };
            int year = DateOnly.FromDayNumber(day).Year;
            (int month, int dayOfMonth) = _rng.Next(6) switch
            {
                0 => (2, 30),
                1 => (2, 31),
                2 => (4, 31),
                3 => (6, 31),
                4 => (9, 31),
                _ => (11, 31),
            };
            if (_rng.Chance(0.25) && !DateTime.IsLeapYear(year))
            {
                (month, dayOfMonth) = (2, 29);
            }

            PutDateParts(year, month, dayOfMonth);
        }

        private void WriteBlank()
        {
            _len = 0;
            switch (_rng.Next(3))
            {
                case 0:
                    break; // an empty line
                case 1:
                    for (int c = 1; c < Col.RawCount; c++)
                    {
                        Put(_delim); // every field empty
                    }

                    break;
                default:
                    Put(Blank3);
                    break;
            }

            EndLine(output: false);
        }

        // ---- patients and encounters -------------------------------------------------------------

        private void NextEncounter()
        {
            if (_encountersLeft == 0)
            {
                NextPatient();
            }

            _encountersLeft--;
            _encounterNo++;
            SubgroupProfile p = _profiles[_group];
            double[] mean = p.Mean, sd = p.Sd;
            int los = (int)Math.Round(Clamp(mean[Feature.LengthOfStay] + (sd[Feature.LengthOfStay] * _rng.Normal()), Feature.LengthOfStay));
            _admission = _rng.Between(Epoch2019, _latestClean - los);
            _discharge = _admission + los;
            _x[Feature.Age] = YearsBetween(_birthDay, _admission);
            _x[Feature.LengthOfStay] = los;
            for (int f = Feature.PriorAdmissions; f < Feature.Count; f++)
            {
                double v = Clamp(mean[f] + (sd[f] * _rng.Normal()), f);
                _x[f] = f switch
                {
                    Feature.Hba1c or Feature.Bmi => Math.Round(v, 1, MidpointRounding.AwayFromZero),
                    Feature.Creatinine => Math.Round(v, 2, MidpointRounding.AwayFromZero),
                    _ => Math.Round(v, MidpointRounding.AwayFromZero),
                };
            }

            double logit = -1.6 + p.LogitEffect;
            for (int f = 0; f < Feature.Count; f++)
            {
                logit += Feature.LogitWeight[f] * (_x[f] - Feature.ReferenceMean[f]) / Feature.ReferenceSd[f];
            }

            _probability = 1 / (1 + Math.Exp(-logit));
            _label = _rng.NextDouble() < _probability;
            _admissionType = _rng.Pick(_admissionCdf[_group]);
            _diagnosis = _rng.Next(p.Diagnoses.Length);
        }

        private void NextPatient()
        {
            _patientNo++;
            _piiListed = 0;
            _patientBlockLength = 0;
            _group = _rng.Pick(_subgroupCdf);
            SubgroupProfile p = _profiles[_group];
            _encountersLeft = _rng.Between(1, 5);
            double u = _rng.NextDouble();
            _sex = u < 0.01 ? 2 : u < 0.01 + (0.99 * p.FemaleShare) ? 0 : 1;
            bool femaleName = _sex == 0 || (_sex == 2 && _rng.Chance(0.5));
            int first = _rng.Next(femaleName ? Vocabulary.FemaleFirstNames.Length : Vocabulary.MaleFirstNames.Length);
            _first = femaleName ? Vocabulary.FemaleFirstNames[first] : Vocabulary.MaleFirstNames[first];
            _firstEmail = femaleName ? Vocabulary.FemaleEmailParts[first] : Vocabulary.MaleEmailParts[first];
            _last = _rng.Next(Vocabulary.LastNames.Length);
            _emailNumber = _rng.Chance(0.7) ? _rng.Between(1, 999) : -1;
            _domain = _rng.Next(Vocabulary.EmailDomains.Length);
            _phoneIntl = _rng.Chance(0.3);
            _phonePrefix = _rng.Chance(0.8) ? 6 : 7;
            _phoneDigits = _rng.Next(100_000_000);
            _streetNumber = _rng.Between(1, 180);
            _street = _rng.Next(Vocabulary.Streets.Length);
            _city = Vocabulary.Cities[_rng.Next(Vocabulary.Cities.Length)];
            _postal = _city.PostalCode + _rng.Next(_city.PostalCodeCount);

            double age = Clamp(p.Mean[Feature.Age] + (p.Sd[Feature.Age] * _rng.Normal()), Feature.Age);
            _birthDay = AgeAnchor - (int)(age * 365.25) - _rng.Next(365);
            var birth = DateOnly.FromDayNumber(_birthDay);
            if (birth.Month == 2 && birth.Day == 29)
            {
                // Conventions differ on when a 29 February birthday passes in a common year; avoid the question.
                _birthDay--;
                birth = DateOnly.FromDayNumber(_birthDay);
            }

            // NIR: sex, birth year and month, département, commune, order number, then the key
            // 97 - (first 13 digits mod 97). Sex U gets 1 or 2 like any registered person.
            long sexDigit = _sex == 0 ? 2 : _sex == 1 ? 1 : _rng.Between(1, 2);
            long nir13 = (sexDigit * 1_000_000_000_000L) + (birth.Year % 100 * 10_000_000_000L) + (birth.Month * 100_000_000L)
                + (_city.Department * 1_000_000L) + (_city.InseeCommune * 1_000L) + _rng.Between(1, 999);
            _nir = (nir13 * 100) + (97 - (nir13 % 97));
        }

        private static double Clamp(double v, int feature) => Math.Clamp(v, Feature.Min[feature], Feature.Max[feature]);

        /// <summary>Whole years from birth to the given day (birthday not yet reached → one less).</summary>
        internal static int YearsBetween(int fromDay, int toDay)
        {
            DateOnly.FromDayNumber(fromDay).Deconstruct(out int ay, out int am, out int ad);
            DateOnly.FromDayNumber(toDay).Deconstruct(out int by, out int bm, out int bd);
            int years = by - ay;
            if (bm < am || (bm == am && bd < ad))
            {
                years--;
            }

            return years;
        }

        // ---- PII ---------------------------------------------------------------------------------

        private void ListPii(PiiKind kind, int start)
        {
            int bit = 1 << (int)kind;
            if ((_piiListed & bit) != 0)
            {
                return;
            }

            _piiListed |= bit;
            _pii.Add(kind, _row.AsSpan(start, _len - start));
        }

        // ---- byte writing ------------------------------------------------------------------------

        private void Put(byte b) => _row[_len++] = b;

        private void Put(ReadOnlySpan<byte> s)
        {
            s.CopyTo(_row.AsSpan(_len));
            _len += s.Length;
        }

        private void PutInt(long v)
        {
            if (v < 0)
            {
                Put((byte)'-');
                v = -v;
            }

            int digits = 1;
            for (long t = v; t >= 10; t /= 10)
            {
                digits++;
            }

            PutDigits(v, digits);
        }

        private void PutDigits(long v, int width)
        {
            for (int i = _len + width - 1; i >= _len; i--)
            {
                _row[i] = (byte)('0' + (int)(v % 10));
                v /= 10;
            }

            _len += width;
        }

        private static readonly long[] Pow10 = [1, 10, 100, 1000];

        private void PutFixed(double v, int decimals)
        {
            long scale = Pow10[decimals];
            long s = (long)Math.Round(v * scale, MidpointRounding.AwayFromZero);
            if (s < 0)
            {
                Put((byte)'-');
                s = -s;
            }

            PutInt(s / scale);
            if (decimals > 0)
            {
                Put(_decimal);
                PutDigits(s % scale, decimals);
            }
        }

        private void PutDate(int dayNumber)
        {
            DateOnly.FromDayNumber(dayNumber).Deconstruct(out int y, out int m, out int d);
            PutDateParts(y, m, d);
        }

        private void PutDateParts(int year, int month, int day)
        {
            if (_french)
            {
                PutDigits(day, 2);
                Put((byte)'/');
                PutDigits(month, 2);
                Put((byte)'/');
                PutDigits(year, 4);
            }
            else
            {
                PutDigits(year, 4);
                Put((byte)'-');
                PutDigits(month, 2);
                Put((byte)'-');
                PutDigits(day, 2);
            }
        }

        private void EndLine(bool output)
        {
            if (output)
            {
                int slot = _ringCount % RingSize;
                Buffer.BlockCopy(_row, 0, _ring[slot], 0, _len);
                _ringLen[slot] = _len;
                _ringCount++;
            }

            Put(_newline);
            Emit(_row, _len);
        }

        private void Emit(byte[] source, int length)
        {
            if (_bufLen + length > _buf.Length)
            {
                _out.Write(_buf, 0, _bufLen);
                _bufLen = 0;
            }

            Buffer.BlockCopy(source, 0, _buf, _bufLen, length);
            _bufLen += length;
            _bytes += length;
        }

        private void EmitDuplicate(byte[] line, int length)
        {
            Buffer.BlockCopy(line, 0, _row, 0, length);
            _len = length;
            Put(_newline);
            Emit(_row, _len);
        }

        private void PutSide(ReadOnlySpan<byte> s)
        {
            s.CopyTo(_sideBuf.AsSpan(_sideLen));
            _sideLen += s.Length;
        }

        private void FlushAll()
        {
            _out.Write(_buf, 0, _bufLen);
            _bufLen = 0;
            _out.Flush();
            if (_side is not null)
            {
                _side.Write(_sideBuf, 0, _sideLen);
                _sideLen = 0;
                _side.Flush();
            }
        }

        // ---- truth -------------------------------------------------------------------------------

        private GenerationTruth BuildTruth(IList<string> header)
        {
            var columns = new List<TruthColumn>(Col.AllCount);
            for (int c = 0; c < Col.AllCount; c++)
            {
                columns.Add(new TruthColumn(Col.Names[c], _missing[c], _invalid[c], _fixedCells[c]));
            }

            var defects = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (DefectKind k in Enum.GetValues<DefectKind>())
            {
                defects[JsonName(k.ToString())] = _defects[(int)k];
            }

            var profiles = new List<TruthSubgroup>(_profiles.Length);
            for (int g = 0; g < _profiles.Length; g++)
            {
                var means = new SortedDictionary<string, double>(StringComparer.Ordinal);
                for (int f = 0; f < Feature.Count; f++)
                {
                    means[Feature.Names[f]] = _groupCount[g][f] == 0 ? double.NaN : Math.Round(_groupSum[g][f] / _groupCount[g][f], 3);
                }

                profiles.Add(new TruthSubgroup(g, _profiles[g].Name, _groupRows[g], means));
            }

            long written = _kept + _fixed;
            return new GenerationTruth
            {
                Options = _o,
                Header = header,
                Delimiter = ((char)_delim).ToString(),
                DecimalSeparator = ((char)_decimal).ToString(),
                DateFormat = _french ? "dd/MM/yyyy" : "yyyy-MM-dd",
                Rows = new TruthRows(_o.Rows, _kept, _fixed, _quarantined, _duplicate, _blank),
                ViolationsByRule = _violations,
                Columns = columns,
                Defects = defects,
                Subgroups = _profiles.Length,
                SubgroupProfiles = profiles,
                BayesAuc = Auc(),
                PositiveRate = written == 0 ? 0 : (double)_positives / written,
                Pii = _pii.ToTruth(),
                PiiTruncated = _pii.Truncated,
                Bytes = _bytes,
            };
        }

        /// <summary>Mann-Whitney AUC over the 5-decimal probability bins (ties count one half).</summary>
        private double Auc()
        {
            double pairs = 0, negativesBelow = 0, positives = 0;
            for (int b = 0; b <= ProbabilityScale; b++)
            {
                pairs += _aucPositive[b] * (negativesBelow + (0.5 * _aucNegative[b]));
                negativesBelow += _aucNegative[b];
                positives += _aucPositive[b];
            }

            return positives == 0 || negativesBelow == 0 ? double.NaN : pairs / (positives * negativesBelow);
        }

        private static string JsonName(string pascal) => char.ToLowerInvariant(pascal[0]) + pascal[1..];

        private static double[] Cumulative(IEnumerable<double> weights)
        {
            double[] cdf = [.. weights];
            for (int i = 1; i < cdf.Length; i++)
            {
                cdf[i] += cdf[i - 1];
            }

            return cdf;
        }

        private static byte[][] Utf8(params string[] values) => [.. values.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>The last quarantined row: bytes, key position, violations, and what was done with it.</summary>
    private sealed class QuarantinedRow
    {
        public byte[] Row { get; } = new byte[8192];
        public int Length { get; private set; }
        public int IdStart { get; private set; }
        public int IdEnd { get; private set; }
        public bool HasId { get; private set; }
        public bool Available { get; private set; }
        public bool Copied { get; set; }
        public bool Reused { get; set; }
        public List<(int Column, string Rule)> Violations { get; } = [];

        public void Save(byte[] row, int length, int idStart, int idEnd, bool hasId, List<(int Column, string Rule)> violations)
        {
            Buffer.BlockCopy(row, 0, Row, 0, length);
            (Length, IdStart, IdEnd, HasId, Available, Copied, Reused) = (length, idStart, idEnd, hasId, true, false, false);
            Violations.Clear();
            Violations.AddRange(violations);
        }
    }

    private enum PiiKind
    {
        EncounterId, PatientId, FirstName, LastName, Email, Phone, Nir, Address, BirthDate, PostalCode,
    }

    /// <summary>Planted PII values by kind, capped; names and postal codes repeat across patients, so
    /// every kind is de-duplicated.</summary>
    private sealed class Pii(int cap)
    {
        private readonly List<string>[] _lists = [.. Enumerable.Range(0, 10).Select(_ => new List<string>())];
        private readonly HashSet<string>[] _seen = [.. Enumerable.Range(0, 10).Select(_ => new HashSet<string>(StringComparer.Ordinal))];
        private int _count;

        public bool Truncated { get; private set; }

        public void Add(PiiKind kind, ReadOnlySpan<byte> utf8)
        {
            if (_count >= cap)
            {
                Truncated = true;
                return;
            }

            string value = Encoding.UTF8.GetString(utf8);
            if (kind == PiiKind.EncounterId || _seen[(int)kind].Add(value))
            {
                _lists[(int)kind].Add(value);
                _count++;
            }
        }

        public TruthPii ToTruth() => new()
        {
            EncounterIds = _lists[(int)PiiKind.EncounterId],
            PatientIds = _lists[(int)PiiKind.PatientId],
            FirstNames = _lists[(int)PiiKind.FirstName],
            LastNames = _lists[(int)PiiKind.LastName],
            Emails = _lists[(int)PiiKind.Email],
            Phones = _lists[(int)PiiKind.Phone],
            Nirs = _lists[(int)PiiKind.Nir],
            Addresses = _lists[(int)PiiKind.Address],
            BirthDates = _lists[(int)PiiKind.BirthDate],
            PostalCodes = _lists[(int)PiiKind.PostalCode],
        };
    }
}
