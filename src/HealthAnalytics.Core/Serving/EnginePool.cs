using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;

namespace HealthAnalytics.Serving;

/// <summary>
/// Pooled ML.NET <see cref="PredictionEngine{TSrc,TDst}"/>s: an engine is not thread-safe and costly to create, so a
/// predictor borrows one per call and returns it (<c>Microsoft.Extensions.ObjectPool</c>). Any task's predictor uses it.
/// </summary>
internal sealed class EnginePool<TRow, TScore>
    where TRow : class
    where TScore : class, new()
{
    private readonly ObjectPool<PredictionEngine<TRow, TScore>> _pool;

    public EnginePool(Func<PredictionEngine<TRow, TScore>> create)
    {
        var provider = new DefaultObjectPoolProvider { MaximumRetained = Environment.ProcessorCount * 2 };
        _pool = provider.Create(new Policy(create));
    }

    public TScore Predict(TRow row)
    {
        var engine = _pool.Get();
        try
        {
            return engine.Predict(row);
        }
        finally
        {
            _pool.Return(engine);
        }
    }

    private sealed class Policy(Func<PredictionEngine<TRow, TScore>> create) : PooledObjectPolicy<PredictionEngine<TRow, TScore>>
    {
        public override PredictionEngine<TRow, TScore> Create() => create();

        public override bool Return(PredictionEngine<TRow, TScore> obj) => true;
    }
}
