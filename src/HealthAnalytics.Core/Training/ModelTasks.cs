using System.Text.Json.Serialization.Metadata;
using HealthAnalytics.Serving;

namespace HealthAnalytics.Training;

/// <summary>
/// The registry of model tasks: <see cref="ModelTask"/> → its <see cref="IModelTask"/>. A static table rather than DI
/// because bundles are loaded and specs validated outside any container too (tests, benchmarks); a new task adds
/// one line here (docs/models.md, "Adding a task").
/// </summary>
public static class ModelTasks
{
    public static IReadOnlyList<IModelTask> All { get; } =
    [
        new BinaryClassificationTask(),
        new ClusteringTask(),
        new RegressionTask(),
        new SurvivalTask(),
        new TreatmentEffectTask(),
    ];

    private static readonly Dictionary<ModelTask, IModelTask> ByTask = All.ToDictionary(t => t.Task);

    /// <summary>The implementation of <paramref name="task"/>, or null when the task is not implemented.</summary>
    public static IModelTask? Find(ModelTask task) => ByTask.GetValueOrDefault(task);

    public static IModelTask Get(ModelTask task) =>
        Find(task) ?? throw new ModelSpecException("The task " + task.Name() + " is not implemented.");

    /// <summary>
    /// A System.Text.Json contract modifier that makes <see cref="Prediction"/> polymorphic over every task's prediction
    /// type, with the task name as discriminator (<c>"task": "binary-classification"</c>). The API's serializer and its
    /// OpenAPI document use it, so both follow the registry (the document lists one schema per task).
    /// </summary>
    public static void PredictionPolymorphism(JsonTypeInfo typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (typeInfo.Type != typeof(Prediction))
        {
            return;
        }

        typeInfo.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "task" };
        foreach (var task in All)
        {
            typeInfo.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(task.PredictionType, task.Task.Name()));
        }
    }
}
