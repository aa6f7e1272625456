"""Train the churn model on data/churn.csv and pickle it."""
import pickle

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

DATA_PATH = "data/churn.csv"
TARGET = "churned"


def load_data(path=DATA_PATH):
    df = pd.read_csv(path)
    df = df.dropna()
    df = pd.get_dummies(df, columns=["plan", "region"])
    return df


def main():
    df = load_data()
    X = df.drop(columns=[TARGET, "customer_id"])
    y = df[TARGET]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)

    model = RandomForestClassifier(n_estimators=200, max_depth=8)
    model.fit(X_train, y_train)

    acc = accuracy_score(y_test, model.predict(X_test))
    print(f"accuracy: {acc:.3f}")

    with open("model.pkl", "wb") as f:
        pickle.dump(model, f)
    print("saved model.pkl")


if __name__ == "__main__":
    main()
