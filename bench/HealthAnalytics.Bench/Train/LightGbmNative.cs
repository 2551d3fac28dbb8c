using System.Runtime.InteropServices;

namespace HealthAnalytics.Bench.Train;

/// <summary>
/// The LightGBM C API of <c>lib_lightgbm.so</c>, the native library the <c>LightGBM</c> NuGet package ships
/// (it comes with Microsoft.ML.LightGbm). Called directly, it is LightGBM without ML.NET around it: the
/// peer our training is compared with. Only the few entry points the bench needs.
/// </summary>
internal static partial class LightGbmNative
{
    private const string Lib = "lib_lightgbm";
    public const int DTypeFloat32 = 0;
    public const int DTypeFloat64 = 1;

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int LGBM_DatasetCreateFromMat(float* data, int dataType, int nrow, int ncol, int isRowMajor, string parameters, IntPtr reference, out IntPtr handle);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int LGBM_DatasetSetField(IntPtr handle, string fieldName, float* data, int count, int type);

    [LibraryImport(Lib)]
    public static partial int LGBM_DatasetFree(IntPtr handle);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LGBM_BoosterCreate(IntPtr trainData, string parameters, out IntPtr booster);

    [LibraryImport(Lib)]
    public static partial int LGBM_BoosterUpdateOneIter(IntPtr booster, out int isFinished);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int LGBM_BoosterPredictForMat(IntPtr booster, float* data, int dataType, int nrow, int ncol, int isRowMajor, int predictType, int startIteration, int numIteration, string parameter, out long outLength, double* result);

    [LibraryImport(Lib)]
    public static partial int LGBM_BoosterFree(IntPtr booster);

    [LibraryImport(Lib)]
    private static partial IntPtr LGBM_GetLastError();

    public static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"LightGBM {what} failed: {Marshal.PtrToStringUTF8(LGBM_GetLastError())}");
        }
    }
}
